#!/usr/bin/python3
"""Writes markov.reference.json: Markov removal effects (first order, and orders 2 and 3 whose states
are the last k channels of a path) computed with NumPy (Debian 12's
python3-numpy 1.24.2), independently of Tailor's TypeScript (markov.ts), for markov-reference.test.ts
to check to 1e-9.

Independence: the chain is built here from the paths as a dense transition matrix over START, the
channels, CONVERSION and NULL; absorption probabilities come from the fundamental matrix
B = (I - Q)^-1 R (numpy.linalg.inv), and removing a channel deletes its row and column from the
matrix, sending the probability that flowed into it to NULL (Tailor instead pins x_channel = 0 in a
linear system solved by its own Gaussian elimination). Removal effect = 1 - P'(conv) / P(conv);
shares = effects / sum(effects).
Regenerate: cd packages/core/src/reports && /usr/bin/python3 make-markov-reference.py"""
import json
import random

import numpy as np


def removal_effects(converting, non_converting, order=1):
    channels = sorted({c for p in converting + non_converting for c in p})
    def grams(p):
        return [tuple(p[max(0, i + 1 - order): i + 1]) for i in range(len(p))]
    seen = sorted({g for p in converting + non_converting for g in grams(p)})
    states = ["(start)"] + seen + ["(conversion)", "(null)"]
    at = {s: i for i, s in enumerate(states)}
    m = len(states)
    counts = np.zeros((m, m))
    for paths, end in ((converting, "(conversion)"), (non_converting, "(null)")):
        for p in paths:
            if not p:
                continue
            seq = ["(start)"] + grams(p) + [end]
            for a, b in zip(seq, seq[1:]):
                counts[at[a], at[b]] += 1
    def p_conversion(removed):
        gone = [s for s in seen if removed is not None and removed in s]
        keep = [s for s in states if s not in gone]
        c = counts.copy()
        for g in gone:
            c[:, at["(null)"]] += c[:, at[g]]  # what flowed into a removed state now goes to NULL
        idx = [at[s] for s in keep]
        c = c[np.ix_(idx, idx)]
        transient = [i for i, s in enumerate(keep) if s not in ("(conversion)", "(null)")]
        conv = keep.index("(conversion)")
        null = keep.index("(null)")
        rows = c[transient]
        totals = rows.sum(axis=1, keepdims=True)
        totals[totals == 0] = 1
        P = rows / totals
        Q = P[:, transient]
        R = P[:, [conv, null]]
        B = np.linalg.inv(np.eye(len(transient)) - Q) @ R
        return float(B[0, 0])
    base = p_conversion(None)
    effects = {c: 1 - p_conversion(c) / base for c in channels}
    total = sum(effects.values())
    return {
        "conversionProbability": base,
        "removalEffects": effects,
        "shares": {c: e / total for c, e in effects.items()},
    }


def case(name, converting, non_converting, order=1):
    return {"name": name, "order": order, "converting": converting, "nonConverting": non_converting,
            **removal_effects(converting, non_converting, order)}


cases = [
    # The textbook example (three channels, four paths).
    case("four paths", [["C1", "C2", "C3"], ["C1"]], [["C2", "C3"], ["C2"]]),
    # Repeats and self-loops, a channel only on non-converting paths.
    case("repeats", [["a", "a", "b"], ["b", "a"], ["c", "a", "b", "b"]],
         [["a"], ["b", "b", "c"], ["d"], ["d", "a"]]),
]
rng = random.Random(19)
channels = ["google", "facebook", "newsletter", "bing", "partner", "tiktok"]
conv, non = [], []
for _ in range(400):
    path = [rng.choice(channels[: rng.randint(2, 6)]) for _ in range(rng.randint(1, 7))]
    converts = rng.random() < (0.15 + 0.1 * path.count("newsletter") + 0.05 * ("google" in path))
    (conv if converts else non).append(path)
cases.append(case("random 400 paths", conv, non))
cases.append(case("four paths, order 2", [["C1", "C2", "C3"], ["C1"]], [["C2", "C3"], ["C2"]], 2))
cases.append(case("random 400 paths, order 2", conv, non, 2))
cases.append(case("random 400 paths, order 3", conv, non, 3))

with open("markov.reference.json", "w") as f:
    json.dump({"numpy": np.__version__, "cases": cases}, f, indent=1)
    f.write("\n")

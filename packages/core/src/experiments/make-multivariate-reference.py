#!/usr/bin/python3
"""Writes multivariate.reference.json: the omnibus tests of A/B/n experiments (and, below, the
factorial analysis) computed by SciPy and statsmodels (Debian 12's python3-scipy 1.10.1,
python3-statsmodels 0.13.5, python3-numpy 1.24.2), independently of Tailor's TypeScript. The tests
in this folder (omnibus-reference.test.ts) check Tailor against the table to 1e-6.

Independence, statistic by statistic:
- chi-square test of independence of arm and conversion: scipy.stats.chi2_contingency on the k x 2
  table, correction=False (Tailor's choice for every k, 2x2 included; the Yates-corrected value of
  the 2x2 cases is recorded beside it, to document the difference);
- Welch's ANOVA: statsmodels.stats.oneway.anova_oneway(use_var='unequal') on the raw values (not
  on sums); for ratio metrics on the delta method's linearized values of the people with values.
Regenerate (nothing is installed by the tests):
  apt-get install -y python3-statsmodels
  cd packages/core/src/experiments && /usr/bin/python3 make-multivariate-reference.py"""
import json
import math

import numpy as np
from scipy import stats
from statsmodels.stats.oneway import anova_oneway


def sums(values):
    values = [float(v) for v in values]
    return {"n": len(values), "sum": math.fsum(values), "sumSquares": math.fsum(v * v for v in values)}


# ---------------------------------------------------------------- chi-square of independence

def chi_square_case(name, arms):
    """arms: [(users, conversions)]; arms without users are left out, as Tailor does."""
    kept = [(n, c) for n, c in arms if n > 0]
    table = [[c, n - c] for n, c in kept]
    converted = sum(c for _, c in kept)
    total = sum(n for n, _ in kept)
    expected = None
    if len(kept) >= 2 and 0 < converted < total:
        chi2, p, dof, _ = stats.chi2_contingency(table, correction=False)
        expected = {"statistic": chi2, "df": dof, "pValue": p, "arms": len(kept)}
        if len(kept) == 2:
            yates, p_yates, _, _ = stats.chi2_contingency(table, correction=True)
            expected["yatesStatistic"] = yates
            expected["yatesPValue"] = p_yates
    return {
        "name": name,
        "arms": [{"users": n, "conversions": c} for n, c in arms],
        "expected": expected,
    }


CHI_SQUARE = [
    ("three arms (the docs' example)", [(10_000, 500), (10_000, 560), (9_700, 470)]),
    ("two arms", [(10_000, 500), (10_000, 560)]),
    ("two small arms", [(40, 3), (45, 9)]),
    ("five arms, small counts", [(120, 4), (130, 9), (110, 2), (125, 12), (118, 5)]),
    ("twenty arms", [(1_000 + 37 * i, 50 + (i * 7) % 23) for i in range(20)]),
    ("one arm without conversions", [(500, 0), (520, 14), (480, 9)]),
    ("an arm without users", [(800, 40), (0, 0), (790, 61)]),
    ("a clear difference (tiny p)", [(100_000, 3_000), (100_000, 3_900), (100_000, 3_100)]),
    ("large, equal rates", [(1_000_000, 31_000), (1_000_000, 31_000), (1_000_000, 31_000)]),
    ("nobody converted", [(300, 0), (300, 0), (300, 0)]),
    ("everyone converted", [(30, 30), (25, 25)]),
    ("one arm", [(1_000, 50)]),
]


# ---------------------------------------------------------------- Welch's ANOVA

def welch_case(name, groups, kind="mean"):
    """groups: raw values per arm (kind 'mean'), or per-person (total, count) lists (kind 'ratio')."""
    if kind == "mean":
        values = [np.asarray(g, dtype=float) for g in groups]
        summaries = [sums(g) for g in groups]
    else:
        values, summaries = [], []
        for people in groups:
            y = np.asarray([p[0] for p in people], dtype=float)
            m = np.asarray([p[1] for p in people], dtype=float)
            summaries.append({
                "n": len(people), "sum": math.fsum(y), "sumSquares": math.fsum(y * y),
                "count": math.fsum(m), "countSquares": math.fsum(m * m),
                "sumTimesCount": math.fsum(y * m), "withValues": int((m > 0).sum()),
            })
            with_values = m > 0
            y, m = y[with_values], m[with_values]
            if len(y) == 0:
                values.append(y)
                continue
            ratio = y.sum() / m.sum()
            values.append(ratio + (y - ratio * m) / m.mean())  # the linearized values
    kept = [v for v in values if len(v) > 0]
    expected = None
    if len(kept) >= 2 and all(len(v) >= 2 and np.var(v, ddof=1) > 0 for v in kept):
        r = anova_oneway(kept, use_var="unequal")
        expected = {"statistic": float(r.statistic), "df": float(r.df[0]), "df2": float(r.df[1]),
                    "pValue": float(r.pvalue), "arms": len(kept)}
        if len(kept) == 2:  # with two arms, F is Welch's t squared
            t = stats.ttest_ind(kept[0], kept[1], equal_var=False)
            assert abs(t.statistic**2 - expected["statistic"]) <= 1e-9 * expected["statistic"]
            assert abs(t.pvalue - expected["pValue"]) <= 1e-9 + 1e-7 * t.pvalue
    return {"name": name, "kind": kind, "arms": summaries, "expected": expected}


rng = np.random.default_rng(26)
WELCH = [
    ("three arms, unequal spread", [rng.normal(10, 2, 400), rng.normal(10.4, 3, 380), rng.normal(9.9, 5, 410)]),
    ("two arms (Welch's t squared)", [rng.normal(50, 10, 200), rng.normal(53, 14, 150)]),
    ("five arms, skewed (revenue-like)", [rng.lognormal(3, 1, 300 + 20 * i) for i in range(5)]),
    ("a clear difference", [rng.normal(0, 1, 5_000), rng.normal(0.2, 1, 5_000), rng.normal(0, 1.5, 5_000)]),
    ("small arms", [[1.0, 2.0, 4.0], [2.0, 3.0], [5.0, 1.0, 7.0, 2.0]]),
    ("counts with zeros", [rng.poisson(0.3, 2_000), rng.poisson(0.33, 2_100), rng.poisson(0.29, 1_900)]),
    ("an arm without spread", [[3.0, 3.0, 3.0], [1.0, 2.0, 3.0], [2.0, 4.0]]),
    ("an arm with one unit", [[3.0], [1.0, 2.0, 3.0], [2.0, 4.0]]),
    ("an arm without values", [[], [1.0, 2.0, 3.0], [2.0, 4.0, 7.0]]),
]


def people(rng, n, buy_rate, mean_orders, value_mean):
    out = []
    for _ in range(n):
        if rng.random() >= buy_rate:
            out.append((0.0, 0))
            continue
        m = 1 + rng.poisson(mean_orders - 1)
        out.append((float(rng.gamma(2.0, value_mean / 2.0, m).sum()), int(m)))
    return out


WELCH_RATIO = [
    ("ratio: revenue per order, three arms", [people(rng, 3_000, 0.1, 1.8, 40), people(rng, 3_000, 0.11, 1.8, 44), people(rng, 3_000, 0.1, 2.2, 40)]),
]

reference = {
    "chiSquare": [chi_square_case(name, arms) for name, arms in CHI_SQUARE],
    "welch": [welch_case(name, groups) for name, groups in WELCH]
    + [welch_case(name, groups, "ratio") for name, groups in WELCH_RATIO],
}

with open("multivariate.reference.json", "w") as f:
    json.dump(reference, f, indent=1)
    f.write("\n")

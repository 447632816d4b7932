#!/usr/bin/python3
"""Writes multivariate.reference.json: the omnibus tests of A/B/n experiments and the analysis of
factorial experiments computed by SciPy and statsmodels (Debian 12's python3-scipy 1.10.1,
python3-statsmodels 0.13.5, python3-numpy 1.24.2), independently of Tailor's TypeScript. The tests
in this folder (omnibus-reference.test.ts) check Tailor against the table to 1e-6.

Independence, statistic by statistic:
- chi-square test of independence of arm and conversion: scipy.stats.chi2_contingency on the k x 2
  table, correction=False (Tailor's choice for every k, 2x2 included; the Yates-corrected value of
  the 2x2 cases is recorded beside it, to document the difference);
- Welch's ANOVA: statsmodels.stats.oneway.anova_oneway(use_var='unequal') on the raw values (not
  on sums); for ratio metrics on the delta method's linearized values of the people with values;
- factorial experiments: statsmodels on per-person rows (see the section below); the Bayesian view
  by quadrature (scipy.integrate.quad) of its definitions.
Regenerate (nothing is installed by the tests):
  apt-get install -y python3-statsmodels
  cd packages/core/src/experiments && /usr/bin/python3 make-multivariate-reference.py"""
import json
import math

import numpy as np
from scipy import integrate, stats
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

# ---------------------------------------------------------------- factorial experiments
#
# Per-person rows are generated per cell, then analysed by statsmodels on the rows (not on cell
# sums): two-way ANOVA, anova_lm(ols(...), typ=2); logistic regression, GLM(Binomial) fits of the
# type II pairs of nested models and their likelihood-ratio statistics 2(llf_full - llf_reduced);
# main effects from the rows of each level: statsmodels' proportion_confint(method='wilson'),
# confint_proportions_2indep(method='wald') and proportions_ztest for rates, DescrStatsW and
# CompareMeans (Welch) for means; ratio metrics on the delta method's linearized values.

import itertools

import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
from statsmodels.stats.anova import anova_lm
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW


def terms_of(names):
    return [[n] for n in names] + [list(p) for p in itertools.combinations(names, 2)]


def formula_term(term):
    return ":".join(f"C({f})" for f in term)


def type_two(term, terms):
    reduced = [t for t in terms if not all(f in t for f in term)]
    return reduced, reduced + [term]


def rhs(terms):
    return " + ".join(formula_term(t) for t in terms) or "1"


def linearize(y, m):
    """The delta method's linearized values of the people with values (m > 0)."""
    y, m = np.asarray(y, dtype=float), np.asarray(m, dtype=float)
    keep = m > 0
    y, m = y[keep], m[keep]
    ratio = y.sum() / m.sum()
    return ratio + (y - ratio * m) / m.mean()


def factorial_case(name, kind, factors, generate, seed, generators=None):
    """factors: [(name, [levels], [weights])]; generate(rng, levels) -> (y, m) rows of one person.
    generators (a fractional design): {factor: [base factors]}, its level the second when an odd
    number of the base factors are at their second level (the principal fraction)."""
    generators = generators or {}
    rng = np.random.default_rng(seed)
    names = [f[0] for f in factors]
    rows = []
    for i in range(generate.people):
        levels = {f: rng.choice(lv, p=np.asarray(w) / sum(w)) for f, lv, w in factors if f not in generators}
        for f, lv, _ in factors:
            if f in generators:
                odd = sum(levels[b] == dict((n, l) for n, l, _ in factors)[b][1] for b in generators[f]) % 2
                levels[f] = lv[odd]
        y, m = generate(rng, levels)
        rows.append({**levels, "y": float(y), "m": float(m)})
    data = pd.DataFrame(rows)
    for f, lv, _ in factors:
        data[f] = pd.Categorical(data[f], categories=lv)

    cells = []
    for combo in itertools.product(*[f[1] for f in factors]):
        sel = data
        for f, level in zip(names, combo):
            sel = sel[sel[f] == level]
        y, m = sel["y"].to_numpy(), sel["m"].to_numpy()
        if kind == "conversion":
            d = {"users": len(sel), "conversions": int(y.sum())}
        elif kind == "mean":
            d = sums(y)
        else:
            d = {"n": len(sel), "sum": math.fsum(y), "sumSquares": math.fsum(y * y),
                 "count": math.fsum(m), "countSquares": math.fsum(m * m),
                 "sumTimesCount": math.fsum(y * m), "withValues": int((m > 0).sum())}
        if len(sel) > 0 or not generators:
            cells.append({"levels": dict(zip(names, combo)), "data": d})

    # Below resolution V (every fraction here), two-way interactions are aliased: main effects only.
    terms = [[n] for n in names] if generators else terms_of(names)
    expected = {"terms": [], "mainEffects": {}}
    if kind == "conversion":
        def llf(ts):
            return smf.glm("y ~ " + rhs(ts), data, family=sm.families.Binomial()).fit().llf
        for term in terms:
            reduced, full = type_two(term, terms)
            lr = 2 * (llf(full) - llf(reduced))
            df = len(smf.glm("y ~ " + rhs(full), data, family=sm.families.Binomial()).fit().params) - len(
                smf.glm("y ~ " + rhs(reduced), data, family=sm.families.Binomial()).fit().params)
            expected["terms"].append({"term": ":".join(term), "df": df, "statistic": lr,
                                      "pValue": stats.chi2.sf(lr, df)})
        # The residual deviance of the full model on the cells' counts (grouped binomial).
        grouped = data.groupby(names, observed=True).agg(yes=("y", "sum"), n=("y", "size")).reset_index()
        if len(names) == 2 or (generators and len(grouped) == len(names) + 1):  # saturated
            expected["residual"] = {"df": 0, "deviance": 0.0}
        else:
            fit = smf.glm("yes + I(n - yes) ~ " + rhs(terms), grouped, family=sm.families.Binomial()).fit()
            expected["residual"] = {"df": int(fit.df_resid), "deviance": fit.deviance}
    else:
        if kind == "ratio":  # ANOVA on each cell's linearized values
            parts = []
            for cell in cells:
                sel = data
                for f, level in cell["levels"].items():
                    sel = sel[sel[f] == level]
                lin = linearize(sel["y"], sel["m"])
                part = sel[sel["m"] > 0].copy()
                part["y"] = lin
                parts.append(part)
            model_data = pd.concat(parts)
        else:
            model_data = data
        table = anova_lm(smf.ols("y ~ " + rhs(terms), model_data).fit(), typ=2)
        for term in terms:
            row = table.loc[formula_term(term)]
            expected["terms"].append({"term": ":".join(term), "df": float(row["df"]),
                                      "sumSquares": float(row["sum_sq"]), "statistic": float(row["F"]),
                                      "pValue": float(row["PR(>F)"])})
        expected["residual"] = {"df": float(table.loc["Residual", "df"]),
                                "sumSquares": float(table.loc["Residual", "sum_sq"])}

    for f, lv, _ in factors:
        effects = []
        ref = data[data[f] == lv[0]]
        for level in lv:
            sel = data[data[f] == level]
            if kind == "conversion":
                n, c = len(sel), int(sel["y"].sum())
                n0, c0 = len(ref), int(ref["y"].sum())
                ci = proportion_confint(c, n, alpha=0.05, method="wilson")
                e = {"level": level, "users": n, "rate": c / n, "ci": list(ci)}
                if level != lv[0]:
                    low, high = confint_proportions_2indep(c, n, c0, n0, method="wald", compare="diff")
                    e["effect"] = c / n - c0 / n0
                    e["effectCi"] = [low, high]
                    e["pValue"] = proportions_ztest([c, c0], [n, n0])[1]
            else:
                if kind == "ratio":
                    values, base = linearize(sel["y"], sel["m"]), linearize(ref["y"], ref["m"])
                    mean = sel["y"].sum() / sel["m"].sum()
                else:
                    values, base = sel["y"].to_numpy(), ref["y"].to_numpy()
                    mean = values.mean()
                d = DescrStatsW(values)
                e = {"level": level, "n": len(values), "mean": mean, "ci": list(d.tconfint_mean())}
                if level != lv[0]:
                    cm = CompareMeans(d, DescrStatsW(base))
                    e["effect"] = float(values.mean() - base.mean())
                    e["effectCi"] = list(cm.tconfint_diff(usevar="unequal"))
                    e["pValue"] = float(cm.ttest_ind(usevar="unequal")[1])
            effects.append(e)
        treated = [e["pValue"] for e in effects[1:]]
        adjusted = multipletests(treated, method="holm")[1]
        for e, a in zip(effects[1:], adjusted):
            e["pValueAdjusted"] = float(a)
        expected["mainEffects"][f] = effects

    expected["bayesian"] = bayesian_view(kind, factors, names, data, cells)
    return {
        "name": name,
        "kind": kind,
        "factors": [{"name": f, "levels": [{"id": l, "weight": w} for l, w in zip(lv, ws)],
                     **({"generator": generators[f]} if f in generators else {})} for f, lv, ws in factors],
        "cells": cells,
        "expected": expected,
    }


# The Bayesian view, by quadrature (scipy.integrate.quad) of its definitions with scipy.stats'
# distributions: P(i best) = ∫ f_i(x) Π_{j≠i} F_j(x) dx; P(level > first) = ∫ f_first(x) S_level(x) dx.
QUAD = dict(epsabs=1e-13, epsrel=1e-11, limit=2000)


def posterior_of(kind, values, m=None):
    if kind == "conversion":
        n, c = len(values), float(np.sum(values))
        return stats.beta(1 + c, 1 + n - c)
    if kind == "ratio":
        values = linearize(values, m)
    if len(values) < 2 or np.var(values, ddof=1) <= 0:
        return None
    return stats.norm(np.mean(values), math.sqrt(np.var(values, ddof=1) / len(values)))


def window(dists):
    lo = min(d.mean() - 15 * d.std() for d in dists)
    hi = max(d.mean() + 15 * d.std() for d in dists)
    return lo, hi


def chance_to_be_best(dists):
    kept = [d for d in dists if d is not None]
    out = []
    for d in dists:
        if d is None:
            out.append(None)
            continue
        others = [q for q in kept if q is not d]
        lo, hi = d.mean() - 15 * d.std(), d.mean() + 15 * d.std()
        pts = sorted({d.mean()} | {q.mean() for q in others if lo < q.mean() < hi})
        value, _ = integrate.quad(lambda x: d.pdf(x) * np.prod([q.cdf(x) for q in others]), lo, hi, points=pts, **QUAD)
        out.append(value)
    return out


def chance_to_beat(first, level):
    lo, hi = window([first, level])
    value, _ = integrate.quad(lambda x: first.pdf(x) * level.sf(x), lo, hi, points=sorted({first.mean(), level.mean()}), **QUAD)
    return value


def bayesian_view(kind, factors, names, data, cells):
    def dist(sel):
        return posterior_of(kind, sel["y"].to_numpy(), sel["m"].to_numpy())

    def select(levels):
        sel = data
        for f, level in levels.items():
            sel = sel[sel[f] == level]
        return sel

    cell_dists = [dist(select(c["levels"])) for c in cells]
    out = {"cells": [{"mean": None if d is None else float(d.mean()), "chanceToBeBest": p}
                     for d, p in zip(cell_dists, chance_to_be_best(cell_dists))], "mainEffects": {}}
    for f, lv, _ in factors:
        dists = [dist(data[data[f] == level]) for level in lv]
        best = chance_to_be_best(dists)
        out["mainEffects"][f] = [
            {"level": level, "mean": float(d.mean()), "chanceToBeBest": b,
             "chanceToBeatFirst": None if i == 0 else chance_to_beat(dists[0], d)}
            for i, (level, d, b) in enumerate(zip(lv, dists, best))
        ]
    return out


def people_of(n):
    def wrap(f):
        f.people = n
        return f
    return wrap


@people_of(6_000)
def signup(rng, lv):
    p = 0.10 + {"a": 0, "b": 0.03, "c": 0.01}[lv["headline"]] + (0.02 if lv["image"] == "b" else 0)
    if lv["headline"] == "b" and lv["image"] == "b":
        p -= 0.025  # an interaction
    p += 0.005 if lv["cta"] == "try" else 0
    return float(rng.random() < p), 1


@people_of(3_000)
def signup_2x2(rng, lv):
    p = {("a", "a"): 0.2, ("a", "b"): 0.25, ("b", "a"): 0.24, ("b", "b"): 0.22}[(lv["banner"], lv["copy"])]
    return float(rng.random() < p), 1


@people_of(5_000)
def pages(rng, lv):
    rate = 1.2 * (1.1 if lv["headline"] == "c" else 1) * (1.05 if lv["image"] == "b" else 1)
    return float(rng.poisson(rate)), 1


@people_of(2_400)
def score(rng, lv):
    mu = {"a": 10, "b": 10.5, "c": 10.2}[lv["layout"]] + (0.8 if lv["colour"] == "red" else 0)
    if lv["layout"] == "c" and lv["colour"] == "red":
        mu -= 1.0
    return float(rng.normal(mu, 3 if lv["colour"] == "red" else 2)), 1


@people_of(6_000)
def revenue(rng, lv):
    if rng.random() >= 0.12:
        return 0.0, 0
    m = 1 + rng.poisson(0.7)
    value = 40 * (1.08 if lv["offer"] == "free-shipping" else 1) * (1.05 if lv["sort"] == "price" else 1)
    return float(rng.gamma(2.0, value / 2.0, m).sum()), int(m)


@people_of(4_000)
def fraction_signup(rng, lv):
    p = 0.12 + (0.03 if lv["a"] == "on" else 0) + (0.01 if lv["c"] == "on" else 0)
    return float(rng.random() < p), 1


@people_of(3_000)
def fraction_score(rng, lv):
    return float(rng.normal(5 + (0.4 if lv["b"] == "on" else 0) + (0.2 if lv["e"] == "on" else 0), 2)), 1


TWO = ["off", "on"]
HERO = [("headline", ["a", "b", "c"], [1, 1, 1]), ("image", ["a", "b"], [1, 1]), ("cta", ["buy", "try"], [3, 1])]
FACTORIAL = [
    ("3x2x2 conversion (headline x image x cta)", "conversion", HERO, signup, 1),
    ("2x2 conversion (the saturated model)", "conversion", [("banner", ["a", "b"], [1, 1]), ("copy", ["a", "b"], [1, 1])], signup_2x2, 2),
    ("3x2x2 count per person", "mean", HERO, pages, 3),
    ("3x2 mean, unbalanced and heteroscedastic", "mean", [("layout", ["a", "b", "c"], [2, 1, 1]), ("colour", ["blue", "red"], [1, 1])], score, 4),
    ("2^(4-1) fraction, resolution IV (d = abc), conversion", "conversion",
     [(f, TWO, [1, 1]) for f in "abcd"], fraction_signup, 6, {"d": ["a", "b", "c"]}),
    ("2^(5-2) fraction, resolution III (d = ab, e = ac), mean", "mean",
     [(f, TWO, [1, 1]) for f in "abcde"], fraction_score, 7, {"d": ["a", "b"], "e": ["a", "c"]}),
    ("2x2 ratio (revenue per order)", "ratio", [("offer", ["none", "free-shipping"], [1, 1]), ("sort", ["relevance", "price"], [1, 1])], revenue, 5),
]

reference = {
    "chiSquare": [chi_square_case(name, arms) for name, arms in CHI_SQUARE],
    "welch": [welch_case(name, groups) for name, groups in WELCH]
    + [welch_case(name, groups, "ratio") for name, groups in WELCH_RATIO],
    "factorial": [factorial_case(*case) for case in FACTORIAL],
}

with open("multivariate.reference.json", "w") as f:
    json.dump(reference, f, indent=1)
    f.write("\n")

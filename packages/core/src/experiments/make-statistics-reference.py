#!/usr/bin/python3
"""Writes statistics.reference.json: the statistics of experiments computed by SciPy and NumPy
(Debian 12's python3-scipy 1.10.1 and python3-numpy 1.24.2), independently of Tailor's TypeScript
and of the npm library it uses (@stdlib). The tests in this folder check Tailor against the table.

Independence, statistic by statistic:
- rates' Wilson intervals: scipy.stats.binomtest(...).proportion_ci(method='wilson');
- the two-proportion z test (pooled): the Pearson chi-square of the 2x2 table without continuity
  correction (scipy.stats.chi2_contingency), whose statistic is z squared;
- Welch's t test: scipy.stats.ttest_ind(equal_var=False) on the raw values, not on sums;
- chance to beat control and expected loss under Beta posteriors: numerical integration
  (scipy.integrate.quad) of P(B > A) = ∫ f_A(x) S_B(x) dx and E[max(pA - pB, 0)] = ∫ F_B(t) S_A(t) dt,
  not Evan Miller's closed-form sum that Tailor uses;
- the normal approximation for means: quad of E[max(A - B, 0)] = ∫_0^∞ P(A - B > t) dt;
- sample ratio mismatch: scipy.stats.chisquare;
- CUPED: theta and adjusted values from the raw arrays, then ttest_ind on the adjusted arrays;
- mSPRT: the mixture likelihood ratio as the integral over the N(0, tau²) mixing distribution
  (quad), checked here against the closed form printed in Johari, Pekelis & Walsh (2017);
- uplift intervals (log ratio for rates, delta method for means, with Student's t on the
  Welch–Satterthwaite degrees of freedom of the delta-method variance's two terms) and Holm's
  adjustment: the formulas written out below from their definitions;
- ratio metrics: the delta method's linearized values of the people with values, then the mean
  statistics on them; with one value per person, checked equal to ttest_ind on the values.
Regenerate (nothing is installed by the tests):
  apt-get install -y python3-scipy
  cd packages/core/src/experiments && /usr/bin/python3 make-statistics-reference.py"""
import json
import math

import numpy as np
from scipy import integrate, stats

Z = stats.norm.ppf(0.975)
TAU_RATIO = 0.05  # the default mixture standard deviation, in per-unit standard deviations
QUAD = dict(epsabs=1e-14, epsrel=1e-12, limit=1000)


def clean(x):
    """Rounds nothing; turns NaN and infinities into None (JSON null)."""
    if x is None:
        return None
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    x = float(x)
    return x if math.isfinite(x) else None


# ---------------------------------------------------------------- mSPRT (Johari et al. 2017)

def msprt_closed_form(n, v, mean_difference, tau2):
    """Λ_n = sqrt(V / (V + nτ²)) exp(n² τ² (Ȳ_n − X̄_n)² / (2V(V + nτ²))), θ0 = 0 (Section 4)."""
    return math.sqrt(v / (v + n * tau2)) * math.exp(
        n * n * tau2 * mean_difference**2 / (2 * v * (v + n * tau2))
    )


def msprt_integral(difference, variance, tau2):
    """Λ = ∫ φ(d; θ, s²) / φ(d; 0, s²) · φ(θ; 0, τ²) dθ, the mixture's definition, by quadrature."""
    s = math.sqrt(variance)
    tau = math.sqrt(tau2)

    def integrand(theta):
        log_ratio = stats.norm.logpdf(difference, theta, s) - stats.norm.logpdf(difference, 0, s)
        return math.exp(log_ratio + stats.norm.logpdf(theta, 0, tau))

    # The integrand peaks at the posterior mean of θ; integrate ±40 posterior sds around it.
    post_var = 1 / (1 / variance + 1 / tau2)
    centre = post_var * difference / variance
    half = 40 * math.sqrt(post_var)
    value, _ = integrate.quad(integrand, centre - half, centre + half, points=[centre], **QUAD)
    return value


def msprt_p_value(difference, variance, tau2):
    if variance <= 0:
        return None
    return min(1.0, 1.0 / msprt_integral(difference, variance, tau2))


# ---------------------------------------------------------------- conversion

def beta_chance_to_beat(a_a, b_a, a_b, b_b):
    """P(pB > pA) = ∫ f_A(x) P(pB > x) dx."""
    lo = min(stats.beta.ppf(1e-14, a_a, b_a), stats.beta.ppf(1e-14, a_b, b_b))
    hi = max(stats.beta.isf(1e-14, a_a, b_a), stats.beta.isf(1e-14, a_b, b_b))
    pts = [stats.beta.mean(a_a, b_a), stats.beta.mean(a_b, b_b)]
    value, _ = integrate.quad(
        lambda x: stats.beta.pdf(x, a_a, b_a) * stats.beta.sf(x, a_b, b_b), lo, hi, points=pts, **QUAD
    )
    return value


def beta_expected_loss(a_a, b_a, a_b, b_b):
    """E[max(pA − pB, 0)] = ∫ P(pB < t < pA) dt = ∫ F_B(t) S_A(t) dt (the loss of choosing B)."""
    lo = min(stats.beta.ppf(1e-14, a_a, b_a), stats.beta.ppf(1e-14, a_b, b_b))
    hi = max(stats.beta.isf(1e-14, a_a, b_a), stats.beta.isf(1e-14, a_b, b_b))
    pts = [stats.beta.mean(a_a, b_a), stats.beta.mean(a_b, b_b)]
    value, _ = integrate.quad(
        lambda t: stats.beta.cdf(t, a_b, b_b) * stats.beta.sf(t, a_a, b_a), lo, hi, points=pts, **QUAD
    )
    return value


def wilson(conversions, users):
    if users == 0:
        return None
    ci = stats.binomtest(conversions, users).proportion_ci(confidence_level=0.95, method="wilson")
    return [ci.low, ci.high]


def conversion_case(name, control, treatment):
    (n_a, c_a), (n_b, c_b) = control, treatment
    p_a = c_a / n_a if n_a else None
    p_b = c_b / n_b if n_b else None

    # z from the 2x2 table's Pearson chi-square (z² = X²), signed by the difference.
    table = [[c_b, n_b - c_b], [c_a, n_a - c_a]]
    if 0 < c_a + c_b < n_a + n_b:
        chi2, p_value, _, _ = stats.chi2_contingency(table, correction=False)
        z = math.copysign(math.sqrt(chi2), p_b - p_a)
    else:
        z, p_value = None, None

    # Relative uplift pB/pA − 1 and its interval on the log ratio (Katz et al. 1978).
    if c_a == 0:
        uplift, uplift_ci = None, None
    else:
        uplift = p_b / p_a - 1
        if c_b == 0:
            uplift_ci = None
        else:
            se = math.sqrt((1 - p_a) / c_a + (1 - p_b) / c_b)
            log_ratio = math.log(p_b / p_a)
            uplift_ci = [math.exp(log_ratio - Z * se) - 1, math.exp(log_ratio + Z * se) - 1]

    a_a, b_a, a_b, b_b = 1 + c_a, 1 + n_a - c_a, 1 + c_b, 1 + n_b - c_b

    # Sequential: unpooled variance of the difference; τ = TAU_RATIO × the arms' mean sd.
    variance = p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b
    tau2 = (TAU_RATIO**2) * (p_a * (1 - p_a) + p_b * (1 - p_b)) / 2
    sequential = msprt_p_value(p_b - p_a, variance, tau2) if tau2 > 0 else None

    return {
        "name": name,
        "control": {"users": n_a, "conversions": c_a},
        "treatment": {"users": n_b, "conversions": c_b},
        "expected": {
            "controlRate": p_a,
            "controlCi": clean(wilson(c_a, n_a)),
            "treatmentRate": p_b,
            "treatmentCi": clean(wilson(c_b, n_b)),
            "z": clean(z),
            "pValue": clean(p_value),
            "uplift": clean(uplift),
            "upliftCi": clean(uplift_ci),
            "chanceToBeatControl": beta_chance_to_beat(a_a, b_a, a_b, b_b),
            "expectedLoss": beta_expected_loss(a_a, b_a, a_b, b_b),
            "tau2": clean(tau2),
            "sequentialPValue": clean(sequential),
        },
    }


CONVERSIONS = [
    ("typical", (10_000, 500), (10_000, 560)),
    ("unequal sizes", (4_000, 180), (6_000, 310)),
    ("treatment worse", (50_000, 2_500), (50_000, 2_380)),
    ("equal rates", (2_000, 100), (2_000, 100)),
    ("zero control conversions", (200, 0), (200, 4)),
    ("zero treatment conversions", (300, 6), (300, 0)),
    ("zero conversions in both", (150, 0), (150, 0)),
    ("everyone converts", (20, 20), (20, 18)),
    ("tiny samples", (3, 1), (4, 3)),
    ("large", (1_000_000, 31_000), (1_000_000, 31_500)),
]


# ---------------------------------------------------------------- means

def sums(values):
    values = [float(v) for v in values]
    return {"n": len(values), "sum": math.fsum(values), "sumSquares": math.fsum(v * v for v in values)}


def mean_ci(values):
    n = len(values)
    if n < 2:
        return None
    mean = float(np.mean(values))
    if stats.sem(values) == 0:
        return [mean, mean]
    return list(stats.t.interval(0.95, n - 1, loc=mean, scale=stats.sem(values)))


def mean_comparison(a, b):
    """Welch test, delta-method uplift, normal-approximation chance to beat and loss, mSPRT."""
    n_a, n_b = len(a), len(b)
    m_a, m_b = float(np.mean(a)), float(np.mean(b))
    out = {"pValue": None, "t": None, "df": None, "uplift": None, "upliftCi": None,
           "chanceToBeatControl": None, "expectedLoss": None, "tau2": None, "sequentialPValue": None}
    if m_a != 0:
        out["uplift"] = m_b / m_a - 1
    if n_a < 2 or n_b < 2:
        return out
    v_a, v_b = float(np.var(a, ddof=1)), float(np.var(b, ddof=1))
    if m_a != 0:
        # Delta method for the ratio of independent means: Var(r) ≈ Var(m_b)/m_a² + m_b² Var(m_a)/m_a⁴,
        # Student's t on the Welch–Satterthwaite degrees of freedom of the sum of the two terms.
        term_b, term_a = v_b / n_b / m_a**2, m_b**2 * v_a / n_a / m_a**4
        se_r = math.sqrt(term_b + term_a)
        if se_r == 0:
            out["upliftCi"] = [out["uplift"], out["uplift"]]
        else:
            df_r = (term_b + term_a) ** 2 / (term_b**2 / (n_b - 1) + term_a**2 / (n_a - 1))
            out["upliftCi"] = list(stats.t.interval(0.95, df_r, loc=out["uplift"], scale=se_r))
    se2 = v_a / n_a + v_b / n_b
    if se2 == 0:
        return out
    result = stats.ttest_ind(b, a, equal_var=False)
    out["t"] = float(result.statistic)
    out["pValue"] = float(result.pvalue)
    # Welch–Satterthwaite degrees of freedom.
    out["df"] = se2**2 / ((v_a / n_a) ** 2 / (n_a - 1) + (v_b / n_b) ** 2 / (n_b - 1))
    d, s = m_b - m_a, math.sqrt(se2)
    out["chanceToBeatControl"] = float(stats.norm.sf(0, loc=d, scale=s))
    # E[max(A − B, 0)] with A − B ~ N(−d, s²): ∫_0^∞ P(A − B > t) dt.
    out["expectedLoss"], _ = integrate.quad(lambda t: stats.norm.sf(t, loc=-d, scale=s), 0, np.inf, **QUAD)
    tau2 = TAU_RATIO**2 * (v_a + v_b) / 2
    out["tau2"] = tau2
    out["sequentialPValue"] = msprt_p_value(d, se2, tau2)
    if n_a == n_b:
        closed = msprt_closed_form(n_a, v_a + v_b, d, tau2)
        assert math.isclose(min(1, 1 / closed), out["sequentialPValue"], rel_tol=1e-9), (closed, out)
    return {k: clean(v) for k, v in out.items()}


def means_case(name, a, b):
    return {
        "name": name,
        "control": sums(a),
        "treatment": sums(b),
        "expected": {
            "controlMean": float(np.mean(a)),
            "controlCi": clean(mean_ci(a)),
            "treatmentMean": float(np.mean(b)),
            "treatmentCi": clean(mean_ci(b)),
            **mean_comparison(a, b),
        },
    }


rng = np.random.default_rng(20_240_611)
revenue_a = np.round(rng.lognormal(3.0, 1.0, 800), 2)
revenue_b = np.round(rng.lognormal(3.0, 1.0, 820) * 1.08, 2)
normal_a = np.round(rng.normal(10.0, 2.0, 500), 3)
normal_b = np.round(rng.normal(10.3, 2.0, 500), 3)
MEANS = [
    ("revenue", revenue_a, revenue_b),
    ("equal sizes", normal_a, normal_b),
    ("identical data", normal_a, normal_a),
    ("tiny samples", np.array([1.0, 2.0, 3.5]), np.array([2.5, 4.0])),
    ("zero control mean", np.array([-1.0, 1.0, -2.0, 2.0]), np.array([0.5, 1.5, -0.5, 1.0])),
    ("one unit in control", np.array([4.0]), np.array([3.0, 5.0, 6.0, 2.0, 4.5])),
    ("no spread", np.array([2.0, 2.0, 2.0]), np.array([2.0, 2.0])),
]


# ---------------------------------------------------------------- CUPED

def cuped_case(name, groups):
    """groups: list of (x, y) arrays, control first. θ pooled within variants."""
    sxy = sum(float(np.sum((x - x.mean()) * (y - y.mean()))) for x, y in groups)
    sxx = sum(float(np.sum((x - x.mean()) ** 2)) for x, y in groups)
    theta = sxy / sxx
    x_all = float(np.mean(np.concatenate([x for x, _ in groups])))
    adjusted = [y - theta * (x - x_all) for x, y in groups]
    control = adjusted[0]
    variants = []
    for (x, y), adj in zip(groups, adjusted):
        entry = {
            "sums": {
                **sums(y),
                "sumPre": math.fsum(float(v) for v in x),
                "sumPreSquares": math.fsum(float(v) ** 2 for v in x),
                "sumCross": math.fsum(float(u) * float(v) for u, v in zip(x, y)),
            },
            "mean": float(np.mean(adj)),
            "variance": float(np.var(adj, ddof=1)),
            "ci": clean(mean_ci(adj)),
            "varianceReduction": 1 - float(np.var(adj, ddof=1)) / float(np.var(y, ddof=1)),
        }
        if adj is not control:
            comparison = mean_comparison(control, adj)
            entry.update({k: comparison[k] for k in ("pValue", "uplift", "upliftCi", "chanceToBeatControl", "expectedLoss")})
        variants.append(entry)
    return {"name": name, "theta": theta, "variants": variants}


def pre_post(n, effect):
    x = np.round(rng.gamma(4.0, 10.0, n), 2)
    y = np.round(0.7 * x + rng.normal(5.0, 8.0, n) + effect, 2)
    return x, y


CUPED = [cuped_case("three variants", [pre_post(400, 0.0), pre_post(420, 1.5), pre_post(380, -0.5)])]


# ---------------------------------------------------------------- ratio metrics (per person)

def ratio_sums(people):
    """Per-person totals y_i and counts m_i of a list of per-person value lists, summed."""
    y = [math.fsum(float(v) for v in values) for values in people]
    m = [float(len(values)) for values in people]
    return {
        "n": len(people),
        "withValues": sum(1 for values in people if len(values) > 0),
        "sum": math.fsum(y),
        "sumSquares": math.fsum(v * v for v in y),
        "count": math.fsum(m),
        "countSquares": math.fsum(v * v for v in m),
        "sumTimesCount": math.fsum(a * b for a, b in zip(y, m)),
    }


def linearized(people):
    """The ratio R = Σ values / Σ counts over every event, and per person with values its
    delta-method linearization L_i = R + (y_i − R m_i) / m̄: mean(L) = R and var(L)/k is the
    delta-method variance of R with the k people with values as clusters (Deng, Knoblich & Lu
    2018). People without values (m = 0) say nothing about the ratio and are left out."""
    people = [v for v in people if len(v) > 0]
    events = np.concatenate([np.asarray(v, dtype=float) for v in people])
    ratio = float(events.mean())
    y = np.array([float(np.sum(v)) for v in people])
    m = np.array([float(len(v)) for v in people])
    lin = ratio + (y - ratio * m) / m.mean()
    # The same variance from the textbook form: (σ_y²/μ_m² − 2μ_yσ_ym/μ_m³ + μ_y²σ_m²/μ_m⁴)/n.
    cov = np.cov(y, m, ddof=1)
    mu_y, mu_m, n = y.mean(), m.mean(), len(people)
    textbook = (cov[0, 0] / mu_m**2 - 2 * mu_y * cov[0, 1] / mu_m**3 + mu_y**2 * cov[1, 1] / mu_m**4) / n
    assert math.isclose(float(np.var(lin, ddof=1)) / n, textbook, rel_tol=1e-9, abs_tol=1e-300), (textbook, lin)
    # And near a bootstrap over people (the delta method is asymptotic: within 10% at these sizes).
    if n >= 200:
        boot = np.random.default_rng(7)
        draws = [
            (lambda idx: y[idx].sum() / m[idx].sum())(boot.integers(0, n, n)) for _ in range(4000)
        ]
        assert abs(float(np.std(draws, ddof=1)) / math.sqrt(textbook) - 1) < 0.1
    return ratio, lin, events


def ratio_case(name, a, b):
    ratio_a, lin_a, events_a = linearized(a)
    ratio_b, lin_b, events_b = linearized(b)
    if all(len(v) <= 1 for v in a + b):
        # One value per person: the test is Welch's on the values themselves.
        welch = stats.ttest_ind(events_b, events_a, equal_var=False).pvalue
        assert math.isclose(welch, mean_comparison(lin_a, lin_b)["pValue"], rel_tol=1e-9), name
    return {
        "name": name,
        "control": ratio_sums(a),
        "treatment": ratio_sums(b),
        "expected": {
            "controlMean": ratio_a,
            "controlCi": clean(mean_ci(lin_a)),
            "treatmentMean": ratio_b,
            "treatmentCi": clean(mean_ci(lin_b)),
            # Treating each event as a unit instead: too narrow when people repeat.
            "controlEventCi": clean(mean_ci(events_a)),
            **mean_comparison(lin_a, lin_b),
        },
    }


def shoppers(generator, n, orders, scale):
    """n people, each with a Poisson number of orders of log-normal amounts."""
    return [list(np.round(generator.lognormal(3.5, 0.8, k) * scale, 2)) for k in generator.poisson(orders, n)]


def revenue_buyers(generator, n, buyers, scale):
    """n people, of whom `buyers` placed one order of a log-normal amount."""
    return [[round(float(v), 2)] for v in generator.lognormal(3.5, 0.9, buyers) * scale] + [[] for _ in range(n - buyers)]


ratio_rng = np.random.default_rng(20_261_129)
loyal = [[20.0] * 30 + [35.5] * 10, [80.0, 75.5], [12.0], [], [60.0, 58.0, 61.0]] * 40
RATIOS = [
    ("orders per buyer", shoppers(ratio_rng, 600, 0.6, 1.0), shoppers(ratio_rng, 640, 0.7, 1.06)),
    ("heavy repeaters", loyal, [[v * 1.1 for v in values] for values in loyal[:150]] + shoppers(ratio_rng, 60, 2.0, 1.0)),
    ("tiny samples", [[10.0, 20.0], [], [5.0]], [[7.0], [8.0, 9.0, 10.0]]),
    # Revenue per order with one order per buyer among many assigned people (250 buyers of 5,000
    # per arm): Welch's t test on the 250 + 250 order values, not a z test on 10,000 people.
    ("one order per buyer, most people without", revenue_buyers(ratio_rng, 5_000, 250, 1.0), revenue_buyers(ratio_rng, 5_000, 260, 1.12)),
]

# ---------------------------------------------------------------- Holm, SRM

def holm(p_values):
    """Holm (1979) adjusted p-values: p̃_(i) = max_{j ≤ i} min(1, (m − j + 1) p_(j)); None stays None
    and counts as a hypothesis (ranked last)."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: (p_values[i] is None, p_values[i] or 0.0))
    adjusted = [None] * m
    running = 0.0
    for rank, i in enumerate(order):
        if p_values[i] is None:
            continue
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


HOLM = [[0.01, 0.04, 0.03, 0.005], [0.2, 0.01, 0.5], [0.04, 0.04, 0.001], [0.3], [0.02, None, 0.01], [0.6, 0.7, 0.9]]

SRM = [
    ([5_000, 5_050], [1, 1]),
    ([5_000, 5_300], [1, 1]),
    ([1_000, 1_030, 2_100], [1, 1, 2]),
    ([50, 49, 51], [0.2, 0.3, 0.5]),
    ([10, 0], [1, 1]),
    ([500_000, 502_000], [1, 1]),
    ([100_000, 103_000], [1, 1]),
    ([9_000, 1_000], [0.9, 0.1]),
]


def srm_case(counts, weights):
    total = sum(counts)
    expected = [total * w / sum(weights) for w in weights]
    statistic, p_value = stats.chisquare(counts, expected)
    return {"counts": counts, "weights": weights, "chiSquare": float(statistic), "pValue": float(p_value)}


MSPRT = [  # n per arm, V = σA² + σB², mean difference, τ²
    (1_000, 2.0, 0.05, 0.01),
    (1_000, 2.0, 0.25, 0.01),
    (10_000, 0.5, 0.03, 0.001),
    (10_000, 0.5, 0.0, 0.001),
    (200, 8.0, 1.5, 0.5),
    (50_000, 0.1, 0.01, 1e-4),
]


def msprt_case(n, v, d, tau2):
    closed = msprt_closed_form(n, v, d, tau2)
    integral = msprt_integral(d, v / n, tau2)
    assert math.isclose(closed, integral, rel_tol=1e-9), (n, v, d, tau2, closed, integral)
    return {"n": n, "v": v, "difference": d, "variance": v / n, "tau2": tau2,
            "likelihoodRatio": closed, "pValue": min(1.0, 1 / closed)}


reference = {
    "source": "SciPy 1.10.1 and NumPy 1.24.2 (Debian 12); see make-statistics-reference.py",
    "conversion": [conversion_case(*case) for case in CONVERSIONS],
    "means": [means_case(*case) for case in MEANS],
    "cuped": CUPED,
    "ratio": [ratio_case(*case) for case in RATIOS],
    "holm": [{"pValues": p, "adjusted": holm(p)} for p in HOLM],
    "srm": [srm_case(*case) for case in SRM],
    "msprt": [msprt_case(*case) for case in MSPRT],
}
with open("statistics.reference.json", "w") as out:
    json.dump(reference, out, indent=1, allow_nan=False)
    out.write("\n")

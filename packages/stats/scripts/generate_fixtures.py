#!/usr/bin/python3
"""Generate the SciPy / statsmodels reference fixtures for @abtest/stats.

Run from anywhere with Debian's Python (apt-get install python3-scipy
python3-statsmodels python3-mpmath):

    /usr/bin/python3 packages/stats/scripts/generate_fixtures.py

It rewrites packages/stats/fixtures/scipy-*.json and
statsmodels-*.json deterministically (seeded NumPy generator, fixed inputs,
sorted keys), so running it again reproduces the committed files as long as
the library versions recorded under "metadata" are the same.

The reference values come from library routines that share no code with the
TypeScript implementation: scipy.stats distributions (plus 40-digit mpmath
values for the Student t distribution, where SciPy 1.10's ppf is only good to
about 2e-9), scipy.stats.chisquare,
scipy.stats.ttest_ind_from_stats, statsmodels' CompareMeans on raw per-person
data, statsmodels' multipletests, scipy.integrate.quad for the Bayesian
expected loss and for the one-sided (half-normal mixture) sequential
p-value of the guardrails, and scipy.special.gammaln (plus 40-digit mpmath)
for the Dirichlet-multinomial Bayes factor of the sequential SRM test.
"""

import json
import math
import os
import sys

import mpmath
import numpy as np
import scipy
import statsmodels
from scipy import integrate, special, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

# 40 significant digits for the mpmath cross-checks of the t distribution.
mpmath.mp.dps = 40

FIXTURES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
SEED = 20240601
ALPHA = 0.05


def metadata(description):
    return {
        "description": description,
        "generator": "packages/stats/scripts/generate_fixtures.py",
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "statsmodels": statsmodels.__version__,
        "mpmath": mpmath.__version__,
    }


def finite(x):
    """JSON has no Infinity/NaN: such values are written as null."""
    x = float(x)
    return x if math.isfinite(x) else None


def write(name, payload):
    path = os.path.join(FIXTURES_DIR, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(payload, f, indent=2, sort_keys=True)
        f.write("\n")
    print("wrote", os.path.relpath(path))


def mp_t_pdf(s, df):
    return mpmath.exp(
        mpmath.loggamma((df + 1) / 2) - mpmath.loggamma(df / 2) - mpmath.log(df * mpmath.pi) / 2 - (df + 1) / 2 * mpmath.log1p(s * s / df)
    )


def mp_t_cdf(t, df):
    """Student t CDF at 40 digits: mpmath's incomplete beta in the far tail
    (t^2 >= df), where its series converges fast, and tanh-sinh quadrature of
    the density elsewhere, where that series stalls (df = 1e7)."""
    t, df = mpmath.mpf(t), mpmath.mpf(df)
    if t == 0:
        return mpmath.mpf(1) / 2
    a = abs(t)
    if a * a >= df:
        tail = mpmath.betainc(df / 2, mpmath.mpf(1) / 2, 0, df / (df + a * a), regularized=True) / 2
    else:
        tail = mpmath.quad(lambda s: mp_t_pdf(s, df), [a, a + 1, a + 4, a + 16, mpmath.inf])
    return tail if t < 0 else 1 - tail


def mp_t_ppf(p, df):
    """Student t quantile: mpmath root of mp_t_cdf, started from SciPy's value."""
    return mpmath.findroot(lambda t: mp_t_cdf(t, df) - mpmath.mpf(p), float(stats.t.ppf(p, df)))


def distributions():
    normal = [
        {"x": x, "cdf": finite(stats.norm.cdf(x)), "sf": finite(stats.norm.sf(x)), "pdf": finite(stats.norm.pdf(x))}
        for x in [-38.0, -30.0, -20.0, -10.0, -5.0, -3.0, -1.959963984540054, -1.0, -1e-5, 0.0, 0.5, 1.0, 2.0, 5.0, 8.2, 10.0, 20.0]
    ]
    normal_quantile = [
        {"p": p, "quantile": finite(stats.norm.ppf(p))}
        for p in [1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 0.001, 0.02425, 0.025, 0.1, 0.3, 0.5, 0.7, 0.975, 0.999, 1 - 1e-10]
    ]
    t_values = [-50.0, -5.0, -2.0, -0.5, 0.0, 0.3, 1.96, 4.0, 10.0, 40.0, 1000.0]
    dfs = [1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0, 101.7, 1000.0, 1e5, 1e7]
    # scipy 1.10's t.pdf takes a ratio of gamma functions and loses about
    # 1e-9 relative accuracy at df >= 1e5 (the CDF does not), so the density
    # is only recorded below that. Its t.ppf is accurate to only ~2e-9
    # (checked against mpmath), so 40-digit mpmath values are recorded too
    # ("*_mp"), and the tests hold the implementation to those.
    with np.errstate(over="ignore"):
        student_t = [
            {
                "t": t,
                "df": df,
                "cdf": finite(stats.t.cdf(t, df)),
                "sf": finite(stats.t.sf(t, df)),
                "pdf": finite(stats.t.pdf(t, df)) if df < 1e5 else None,
                "cdf_mp": finite(mp_t_cdf(t, df)),
                "sf_mp": finite(mp_t_cdf(-t, df)),
            }
            for df in dfs
            for t in t_values
        ]
    student_t_quantile = [
        {
            "p": p,
            "df": df,
            "quantile": finite(stats.t.ppf(p, df)),
            "quantile_mp": 0.0 if p == 0.5 else finite(mp_t_ppf(p, df)),
        }
        for df in dfs
        for p in [1e-10, 0.001, 0.025, 0.3, 0.5, 0.9, 0.975, 0.995, 1 - 1e-8]
    ]
    chi_square = [
        {"x": x, "df": k, "sf": finite(stats.chi2.sf(x, k))}
        for k in [1, 2, 3, 5, 10, 50]
        for x in [0.001, 0.5, 1.0, 3.841458820694124, 10.0, 50.0, 200.0, 1000.0]
    ]
    write(
        "scipy-distributions.json",
        {
            "metadata": metadata("scipy.stats norm / t / chi2 reference values"),
            "normal": normal,
            "normal_quantile": normal_quantile,
            "student_t": student_t,
            "student_t_quantile": student_t_quantile,
            "chi_square": chi_square,
        },
    )


def sums(values):
    values = np.asarray(values, dtype=float)
    return {"n": int(values.size), "sum": float(values.sum()), "sum_squares": float((values * values).sum())}


def welch_from_raw(name, control, variant):
    """Value metric: statsmodels on the raw per-person values."""
    compare = CompareMeans(DescrStatsW(variant), DescrStatsW(control))
    t, p, df = compare.ttest_ind(usevar="unequal")
    lower, upper = compare.tconfint_diff(alpha=ALPHA, usevar="unequal")
    c, v = sums(control), sums(variant)
    return {
        "name": name,
        "source": "statsmodels CompareMeans.ttest_ind / tconfint_diff (usevar='unequal') on raw data",
        "metric_type": "value",
        "control": c,
        "variant": v,
        "expected": {
            "control_mean": float(np.mean(control)),
            "variant_mean": float(np.mean(variant)),
            "absolute_difference": float(np.mean(variant) - np.mean(control)),
            "ci_lower": float(lower),
            "ci_upper": float(upper),
            "t": float(t),
            "df": float(df),
            "p_value": float(p),
        },
    }


def welch_from_stats(name, metric_type, control, variant):
    """From sufficient statistics with scipy.stats.ttest_ind_from_stats (Welch).

    Conversion metrics use the Bernoulli variance p(1 - p), as GrowthBook's
    ProportionStatistic does; value metrics the sample variance (ddof = 1).
    """
    def moments(s):
        mean = s["sum"] / s["n"]
        if metric_type == "conversion":
            var = mean * (1 - mean)
        else:
            var = (s["sum_squares"] - s["sum"] * mean) / (s["n"] - 1)
        return mean, var

    mc, vc = moments(control)
    mv, vv = moments(variant)
    t, p = stats.ttest_ind_from_stats(mv, math.sqrt(vv), variant["n"], mc, math.sqrt(vc), control["n"], equal_var=False)
    qc, qv = vc / control["n"], vv / variant["n"]
    df = (qc + qv) ** 2 / (qc**2 / (control["n"] - 1) + qv**2 / (variant["n"] - 1))
    se = math.sqrt(qc + qv)
    half = stats.t.ppf(1 - ALPHA / 2, df) * se
    diff = mv - mc
    # Delta-method relative lift (mv - mc) / mc, GrowthBook's formula.
    rel = diff / mc
    rel_se = math.sqrt(vv / (variant["n"] * mc**2) + vc * mv**2 / (control["n"] * mc**4))
    rel_half = stats.t.ppf(1 - ALPHA / 2, df) * rel_se
    return {
        "name": name,
        "source": "scipy.stats.ttest_ind_from_stats(equal_var=False); CI with scipy.stats.t.ppf",
        "metric_type": metric_type,
        "control": control,
        "variant": variant,
        "expected": {
            "control_mean": mc,
            "variant_mean": mv,
            "absolute_difference": diff,
            "ci_lower": diff - half,
            "ci_upper": diff + half,
            "t": float(t),
            "df": df,
            "p_value": float(p),
            "relative_lift": rel,
            "relative_ci_lower": rel - rel_half,
            "relative_ci_upper": rel + rel_half,
        },
    }


def conversion(n, converted):
    return {"n": n, "sum": float(converted), "sum_squares": float(converted)}


def welch():
    rng = np.random.default_rng(SEED)
    cases = [
        welch_from_raw("revenue lognormal n=500/520", rng.lognormal(1.0, 1.0, 500), rng.lognormal(1.05, 1.0, 520)),
        welch_from_raw("small samples n=3/4", rng.normal(10, 2, 3), rng.normal(12, 5, 4)),
        welch_from_raw("zero-inflated spend n=2000/1900", rng.binomial(1, 0.05, 2000) * rng.gamma(2.0, 30.0, 2000), rng.binomial(1, 0.06, 1900) * rng.gamma(2.0, 30.0, 1900)),
        welch_from_raw("negative values n=50/60", rng.normal(-3, 1, 50), rng.normal(-2.5, 1.5, 60)),
        welch_from_stats("conversion 10% vs 12%", "conversion", conversion(1000, 100), conversion(1000, 120)),
        welch_from_stats("conversion extreme low rate", "conversion", conversion(1_000_000, 3), conversion(1_000_000, 12)),
        welch_from_stats("conversion near 100%", "conversion", conversion(400, 399), conversion(380, 372)),
        welch_from_stats("conversion control zero conversions", "conversion", conversion(50, 1), conversion(50, 3)),
        welch_from_stats("conversion huge samples", "conversion", conversion(50_000_000, 5_000_000), conversion(50_000_000, 5_004_000)),
        welch_from_stats("value from sums large n", "value", {"n": 2_000_000, "sum": 3.0e7, "sum_squares": 6.5e8}, {"n": 2_000_000, "sum": 3.002e7, "sum_squares": 6.51e8}),
    ]
    write("scipy-welch.json", {"metadata": metadata("Welch two-sample t-test references"), "alpha": ALPHA, "cases": cases})


def expected_positive_part(mean, sd):
    """E[max(X, 0)] for X ~ N(mean, sd²), by numerical integration."""
    value, _ = integrate.quad(lambda x: x * stats.norm.pdf(x, mean, sd), 0, np.inf, epsabs=1e-14, epsrel=1e-12)
    return value


def bayesian():
    cases = []
    for mean, sd in [(0.04, 0.15), (-0.02, 0.01), (0.0, 1.0), (3.0, 0.5), (-8.0, 1.0), (1e-4, 2e-3)]:
        cases.append(
            {
                "mean": mean,
                "sd": sd,
                "chance_to_win": float(stats.norm.sf(0, mean, sd)),
                "risk_control": expected_positive_part(mean, sd),
                "risk_variant": expected_positive_part(-mean, sd),
            }
        )
    write(
        "scipy-bayesian.json",
        {
            "metadata": metadata("Gaussian posterior chance to win (norm.sf) and expected loss (integrate.quad)"),
            "cases": cases,
        },
    )


def srm():
    cases = []
    for observed, weights in [
        ([100, 120], [0.5, 0.5]),
        ([3, 1], [1, 1]),
        ([5000, 5200], [1, 1]),
        ([10000, 10510], [1, 1]),
        ([3300, 3350, 3400], [1, 1, 1]),
        ([2000, 5800, 2200], [0.2, 0.6, 0.2]),
        ([1000, 1300], [1, 1]),
        ([0, 40], [1, 1]),
    ]:
        total = sum(observed)
        expected = [total * w / sum(weights) for w in weights]
        chi2, p = stats.chisquare(observed, expected)
        cases.append({"observed": observed, "weights": weights, "chi_square": float(chi2), "p_value": float(p), "df": len(observed) - 1})
    write("scipy-srm.json", {"metadata": metadata("scipy.stats.chisquare goodness of fit"), "cases": cases})


def srm_log_bayes_factor(observed, weights, concentration, lgamma, log):
    """ln BF = ln B(a0 + n) - ln B(a0) - sum n_i ln theta_i, B(a) = prod Gamma(a_i) / Gamma(sum a),
    a0 = concentration * theta (Lindon & Malek 2022), written out term by term."""
    theta = [w / sum(weights) for w in weights]
    a0 = [concentration * t for t in theta]
    log_b_posterior = sum(lgamma(a + n) for a, n in zip(a0, observed)) - lgamma(sum(a0) + sum(observed))
    log_b_prior = sum(lgamma(a) for a in a0) - lgamma(sum(a0))
    return log_b_posterior - log_b_prior - sum(n * log(t) for n, t in zip(observed, theta))


def srm_sequential():
    cases = []
    for observed, weights, concentration in [
        ([0, 0], [1, 1], 100),
        ([3, 1], [1, 1], 100),
        ([50, 60], [1, 1], 100),
        ([100, 120], [0.5, 0.5], 100),
        ([1, 30], [1, 1], 100),
        ([5000, 5200], [1, 1], 100),
        ([10000, 10510], [1, 1], 100),
        ([10000, 10510], [1, 1], 1000),
        ([10000, 10510], [1, 1], 10000),
        ([3300, 3350, 3400], [1, 1, 1], 100),
        ([2000, 5800, 2200], [0.2, 0.6, 0.2], 100),
        ([5020, 2950, 2030], [50, 30, 20], 100),
        ([1000, 1300], [1, 1], 100),
        ([0, 40], [1, 1], 100),
        ([520000, 480000], [1, 1], 100),
        ([2500123, 2499877], [1, 1], 100),
        ([9, 2, 1], [1, 1, 2], 7.5),
    ]:
        # mpmath at 40 digits: float gammaln loses about 1e-16 * N ln N to cancellation at large N.
        exact = srm_log_bayes_factor(observed, [mpmath.mpf(w) for w in weights], mpmath.mpf(concentration), mpmath.loggamma, mpmath.log)
        cases.append(
            {
                "observed": observed,
                "weights": weights,
                "concentration": concentration,
                "log_bayes_factor_scipy": float(srm_log_bayes_factor(observed, weights, concentration, special.gammaln, math.log)),
                "log_bayes_factor_mp": float(exact),
                "p_value": float(mpmath.exp(min(0, -exact))),
            }
        )
    write(
        "scipy-srm-sequential.json",
        {"metadata": metadata("Dirichlet-multinomial Bayes factor of the sequential SRM test: scipy.special.gammaln and 40-digit mpmath.loggamma"), "cases": cases},
    )


def one_sided_sequential():
    """1 / M+ with M+ the half-normal mixture of exp(theta z - theta^2 / 2) over theta > 0,
    mixing variance r = n rho^2 (GrowthBook's rho for alpha and N*), by numerical integration."""
    cases = []
    for z, alpha, tuning, n in [
        (0.0, 0.05, 5000, 5000),
        (1.0, 0.05, 5000, 5000),
        (1.9, 0.05, 5000, 100),
        (2.2, 0.05, 5000, 500),
        (2.5, 0.05, 5000, 2000),
        (2.8, 0.05, 5000, 5000),
        (3.2, 0.05, 5000, 20000),
        (-1.5, 0.05, 5000, 5000),
        (4.0, 0.01, 10000, 800),
        (6.0, 0.1, 5000, 100000),
        (-4.0, 0.05, 5000, 5000),
    ]:
        minus_two_log_alpha = -2 * math.log(alpha)
        r = (minus_two_log_alpha + math.log(minus_two_log_alpha + 1)) / tuning * n
        density = lambda t: math.exp(t * z - t * t / 2) * 2 * stats.norm.pdf(t, 0, math.sqrt(r))
        mixture, _ = integrate.quad(density, 0, np.inf, epsabs=0, epsrel=1e-13, limit=200)
        cases.append({"z": z, "alpha": alpha, "tuning": tuning, "n": n, "p_value": min(1.0, 1 / mixture)})
    write(
        "scipy-sequential-one-sided.json",
        {"metadata": metadata("One-sided always-valid p-value: half-normal mixture by scipy.integrate.quad"), "cases": cases},
    )


def corrections():
    families = [
        [0.01, 0.04, 0.03, 0.005],
        [0.2, 0.001, 0.049, 0.05, 0.8, 0.0001],
        [0.5],
        [1e-12, 1.0, 0.3, 0.3, 0.02],
    ]
    cases = []
    for pvals in families:
        holm = multipletests(pvals, alpha=ALPHA, method="holm")[1]
        bh = multipletests(pvals, alpha=ALPHA, method="fdr_bh")[1]
        cases.append({"p_values": pvals, "holm": [float(x) for x in holm], "bh": [float(x) for x in bh]})
    write("statsmodels-corrections.json", {"metadata": metadata("statsmodels multipletests holm / fdr_bh"), "cases": cases})


def main():
    os.makedirs(FIXTURES_DIR, exist_ok=True)
    distributions()
    welch()
    bayesian()
    srm()
    srm_sequential()
    one_sided_sequential()
    corrections()


if __name__ == "__main__":
    main()

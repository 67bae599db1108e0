#!/usr/bin/python3
"""Generate the CUPED reference fixture of @abtest/stats.

Run from anywhere with Debian's Python (apt-get install python3-scipy
python3-statsmodels python3-mpmath):

    /usr/bin/python3 packages/stats/scripts/generate_cuped_fixtures.py

It rewrites packages/stats/fixtures/growthbook-cuped.json deterministically
(seeded NumPy generator, sorted keys): running it again reproduces the file
as long as the library versions recorded under "metadata" are the same.

Per-person data sets (value and conversion metrics, several sizes, X and Y
correlated, many persons with X = 0 in some, 2 and 3 variants, and X = 0 for
everybody) are drawn; the sufficient statistics the TypeScript package takes
(n, ΣY, ΣY², ΣX, ΣX², ΣXY) are summed from the raw arrays, and the expected
results are computed from the raw arrays, not from those sums:

* GrowthBook's CUPED (docs.growthbook.io/statistics/cuped-technical, gbstats'
  RegressionAdjustedStatistic / compute_theta / frequentist_variance_relative_cuped),
  written here independently in matrix form with NumPy: θ = Cov(X, Y)/Var(X)
  over the persons of both arms of a comparison (0 when X or Y does not vary),
  each arm's covariance matrix Λ of (Y, X) (np.cov; ddof = 0 for 0/1 metrics,
  GrowthBook's p(1 − p), ddof = 1 for values), the absolute difference of
  the adjusted means Ȳ − θX̄ with variance [1, −θ] Λ [1, −θ]ᵀ / N per arm and
  Welch–Satterthwaite degrees of freedom on those adjusted variances, and the
  relative lift over the unadjusted control mean with the delta-method
  variance ∇ᵀΛ∇ (GrowthBook's production gradient: ∇_T = [1, −θ]/Ȳ_C,
  ∇_C = [−Ȳ_T/Ȳ_C², θ/Ȳ_C]). CI quantiles: scipy.stats.t.ppf, checked
  against a 40-digit mpmath root (the larger of the two deviations is written
  to the metadata; SciPy 1.10's t.ppf is only good to about 2e-9 at some df,
  so the mpmath value is the one written). p-values: scipy.stats.t.sf and
  norm.cdf. The always-valid p-value and confidence sequence are the
  package's (README) formulas applied to the adjusted effect.
* statsmodels OLS as a cross-check of the absolute estimate. OLS of Y on
  [1, T, X − X̄] estimates the effect with the *within-arm* pooled slope
  β_w = Σ_g Σ(X − X̄_g)(Y − Ȳ_g) / Σ_g Σ(X − X̄_g)², while GrowthBook's θ is the
  slope over both arms together (total covariance, which includes the
  between-arm differences of the means): the two estimates differ by
  (θ − β_w)(X̄_T − X̄_C), which this script checks to 1e-9 and records
  ("ols.free_slope_*"), but which is not GrowthBook's figure. With GrowthBook's
  θ plugged in, OLS of Y − θX on [1, T] is exact: its T coefficient is
  GrowthBook's adjusted difference, and its heteroskedasticity-robust standard
  error is GrowthBook's — HC2 for value metrics (unbiased arm variances) and
  HC0 for conversions (Bernoulli, n-denominator variances). Those two are
  asserted here to 1e-9 and written to the fixture for the TypeScript test.
"""

import json
import math
import os
import sys

import mpmath
import numpy as np
import scipy
import statsmodels
import statsmodels.api as sm
from scipy import stats

mpmath.mp.dps = 40

FIXTURES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
SEED = 20240917
ALPHA = 0.05
# The package's default N* (sequentialTuningParameter).
TUNING = 5000
# Agreement required between this script's independent computations.
SELF_CHECK = 1e-9


def metadata(description, t_ppf_deviation):
    return {
        "description": description,
        "generator": "packages/stats/scripts/generate_cuped_fixtures.py",
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "statsmodels": statsmodels.__version__,
        "mpmath": mpmath.__version__,
        "alpha": ALPHA,
        "sequential_tuning_parameter": TUNING,
        "max_relative_deviation_scipy_t_ppf_vs_mpmath": t_ppf_deviation,
    }


def close(a, b, label, tol=SELF_CHECK):
    if not abs(a - b) <= tol * max(1.0, abs(b)):
        raise AssertionError(f"{label}: {a} != {b}")


# ---------------------------------------------------------------- t quantile

T_PPF_DEVIATION = [0.0]


def mp_t_cdf(t, df):
    """Student t CDF at 40 digits by the regularized incomplete beta."""
    t, df = mpmath.mpf(t), mpmath.mpf(df)
    tail = mpmath.betainc(df / 2, mpmath.mpf(1) / 2, 0, df / (df + t * t), regularized=True) / 2
    return 1 - tail if t > 0 else tail


def t_quantile(p, df):
    """scipy.stats.t.ppf, refined to 40 digits by mpmath (the deviation is recorded)."""
    approx = float(stats.t.ppf(p, df))
    exact = float(mpmath.findroot(lambda t: mp_t_cdf(t, df) - mpmath.mpf(p), approx))
    T_PPF_DEVIATION[0] = max(T_PPF_DEVIATION[0], abs(approx - exact) / abs(exact))
    return exact


# ------------------------------------------------------------ the references


def covariance_matrix(y, x, metric_type):
    """Cov of (Y, X) per person: GrowthBook's ProportionStatistic (n denominator) for 0/1, unbiased for values."""
    return np.cov(np.vstack([y, x]), ddof=0 if metric_type == "conversion" else 1)


def pooled_theta(control, variant, metric_type):
    y = np.concatenate([control[0], variant[0]])
    x = np.concatenate([control[1], variant[1]])
    cov = covariance_matrix(y, x, metric_type)
    if cov[1, 1] == 0 or cov[0, 0] == 0:
        return 0.0
    return float(cov[0, 1] / cov[1, 1])


def welch_df(qc, nc, qt, nt):
    """Welch–Satterthwaite df from the variances of the two means q = s²/n."""
    return (qc + qt) ** 2 / (qc**2 / (nc - 1) + qt**2 / (nt - 1))


def interval(estimate, se, df):
    half = t_quantile(1 - ALPHA / 2, df) * se
    return {"estimate": estimate, "std_error": se, "ci_lower": estimate - half, "ci_upper": estimate + half}


def sequential(estimate, se, n):
    """The package's always-valid p-value and confidence sequence (README), on any effect."""
    minus_two_log_alpha = -2 * math.log(ALPHA)
    rho2n = (minus_two_log_alpha + math.log(minus_two_log_alpha + 1)) / TUNING * n
    z = estimate / se
    p = min(1.0, math.sqrt(rho2n + 1) * math.exp(-rho2n * z * z / (2 * (rho2n + 1))))
    half = se * math.sqrt(2 * (rho2n + 1) / rho2n * math.log(math.sqrt(rho2n + 1) / ALPHA))
    return p, estimate - half, estimate + half


def growthbook_cuped(control, variant, metric_type):
    """GrowthBook's CUPED comparison from the raw (Y, X) arrays of two arms."""
    (yc, xc), (yt, xt) = control, variant
    nc, nt = yc.size, yt.size
    theta = pooled_theta(control, variant, metric_type)
    lam_c = covariance_matrix(yc, xc, metric_type)
    lam_t = covariance_matrix(yt, xt, metric_type)
    g = np.array([1.0, -theta])
    var_adj_c = float(g @ lam_c @ g)
    var_adj_t = float(g @ lam_t @ g)
    mean_c, mean_t = float(np.mean(yc)), float(np.mean(yt))
    adj_c = mean_c - theta * float(np.mean(xc))
    adj_t = mean_t - theta * float(np.mean(xt))

    qc, qt = var_adj_c / nc, var_adj_t / nt
    df = welch_df(qc, nc, qt, nt)
    absolute = interval(adj_t - adj_c, math.sqrt(qc + qt), df)
    grad_t = np.array([1.0, -theta]) / mean_c
    grad_c = np.array([-mean_t / mean_c**2, theta / mean_c])
    relative_var = float(grad_t @ lam_t @ grad_t) / nt + float(grad_c @ lam_c @ grad_c) / nc
    relative = interval((adj_t - adj_c) / mean_c, math.sqrt(relative_var), df)

    raw_c, raw_t = lam_c[0, 0] / nc, lam_t[0, 0] / nt
    raw_df = welch_df(raw_c, nc, raw_t, nt)
    raw_absolute = interval(mean_t - mean_c, math.sqrt(raw_c + raw_t), raw_df)
    raw_relative = interval((mean_t - mean_c) / mean_c, math.sqrt(lam_t[0, 0] / (nt * mean_c**2) + lam_c[0, 0] * mean_t**2 / (nc * mean_c**4)), raw_df)

    t = absolute["estimate"] / absolute["std_error"]
    seq_p, cs_lower, cs_upper = sequential(absolute["estimate"], absolute["std_error"], nc + nt)
    _, rel_cs_lower, rel_cs_upper = sequential(relative["estimate"], relative["std_error"], nc + nt)
    return {
        "theta": theta,
        "variance_reduction": 1 - (qc + qt) / (raw_c + raw_t),
        "control_adjusted_mean": adj_c,
        "variant_adjusted_mean": adj_t,
        "absolute": {**absolute, "cs_lower": cs_lower, "cs_upper": cs_upper},
        "relative": {**relative, "cs_lower": rel_cs_lower, "cs_upper": rel_cs_upper},
        "df": df,
        "t": t,
        "p_value": float(2 * stats.t.sf(abs(t), df)),
        "sequential_p_value": seq_p,
        "chance_to_beat_control": float(stats.norm.cdf(relative["estimate"] / relative["std_error"])),
        "raw_absolute": raw_absolute,
        "raw_relative": raw_relative,
    }


def ols_cross_check(control, variant, metric_type, expected):
    """statsmodels OLS: exact with GrowthBook's θ plugged in; the free slope differs as documented above."""
    (yc, xc), (yt, xt) = control, variant
    y = np.concatenate([yc, yt])
    x = np.concatenate([xc, xt])
    treated = np.concatenate([np.zeros(yc.size), np.ones(yt.size)])
    theta = expected["theta"]

    plugged = sm.OLS(y - theta * x, sm.add_constant(treated)).fit(cov_type="HC0" if metric_type == "conversion" else "HC2")
    plugged_estimate, plugged_se = float(plugged.params[1]), float(plugged.bse[1])
    close(plugged_estimate, expected["absolute"]["estimate"], "OLS with θ plugged: estimate")
    close(plugged_se, expected["absolute"]["std_error"], "OLS with θ plugged: robust standard error")

    free = sm.OLS(y, np.column_stack([np.ones(y.size), treated, x - x.mean()])).fit()
    centred = [(a - a.mean(), b - b.mean()) for a, b in ((yc, xc), (yt, xt))]
    within_xx = sum(float(dx @ dx) for _, dx in centred)
    # X constant within the arms: the centred column is 0, which OLS (a pseudo-inverse) gives slope 0.
    within_slope = sum(float(dy @ dx) for dy, dx in centred) / within_xx if within_xx > 0 else 0.0
    close(float(free.params[2]), within_slope, "OLS slope = within-arm pooled slope")
    difference = (theta - within_slope) * (float(xt.mean()) - float(xc.mean()))
    close(float(free.params[1]), expected["absolute"]["estimate"] + difference, "OLS free-slope estimate = GrowthBook's + (θ − β_w)(X̄_T − X̄_C)")
    return {
        "theta_plugged_estimate": plugged_estimate,
        "theta_plugged_robust_std_error": plugged_se,
        "robust_cov_type": plugged.cov_type,
        "free_slope_estimate": float(free.params[1]),
        "free_slope_std_error": float(free.bse[1]),
        "within_arm_slope": within_slope,
    }


# ----------------------------------------------------------------- data sets


def sufficient_statistics(variant_id, y, x):
    return {
        "variant_id": variant_id,
        "n": int(y.size),
        "sum": float(y.sum()),
        "sum_squares": float((y * y).sum()),
        "cuped": {"sum_x": float(x.sum()), "sum_x_squares": float((x * x).sum()), "sum_xy": float((x * y).sum())},
    }


def bivariate_normal(rng, n, mean, sd, rho, lift):
    x = rng.standard_normal(n)
    e = rng.standard_normal(n)
    y = rho * x + math.sqrt(1 - rho * rho) * e
    return mean + lift + sd * y, mean + sd * x


def sparse_lognormal(rng, n, active_share, lift):
    """Revenue: X = 0 for persons with no pre-exposure activity (counted); Y correlated with X when active."""
    active = rng.random(n) < active_share
    z = rng.standard_normal(n)
    x = np.where(active, np.exp(3 + 0.8 * z), 0.0)
    y_active = np.exp(3 + 0.8 * (0.75 * z + math.sqrt(1 - 0.75**2) * rng.standard_normal(n)))
    y_new = np.where(rng.random(n) < 0.3, np.exp(2.5 + 0.8 * rng.standard_normal(n)), 0.0)
    return np.where(active, y_active, y_new) * (1 + lift), x


def correlated_conversions(rng, n, p_pre, p_after_pre, p_after_none):
    x = (rng.random(n) < p_pre).astype(float)
    y = (rng.random(n) < np.where(x == 1, p_after_pre, p_after_none)).astype(float)
    return y, x


def datasets(rng):
    return [
        ("value, bivariate normal ρ = 0.7, 1000 + 1000", "value", [bivariate_normal(rng, 1000, 10, 3, 0.7, 0), bivariate_normal(rng, 1000, 10, 3, 0.7, 0.3)]),
        ("value, small arms 40 + 55, ρ = 0.5", "value", [bivariate_normal(rng, 40, 5, 2, 0.5, 0), bivariate_normal(rng, 55, 5, 2, 0.5, 0.5)]),
        (
            "value, skewed revenue, 60% without pre-exposure activity (X = 0), 3 variants",
            "value",
            [sparse_lognormal(rng, 4000, 0.4, 0), sparse_lognormal(rng, 4100, 0.4, 0.05), sparse_lognormal(rng, 3950, 0.4, -0.02)],
        ),
        (
            "value, large revenue in cents, 200000 + 200000",
            "value",
            [tuple(100 * a for a in sparse_lognormal(rng, 200_000, 0.7, 0)), tuple(100 * a for a in sparse_lognormal(rng, 200_000, 0.7, 0.01))],
        ),
        ("conversion, correlated, 3000 + 3000", "conversion", [correlated_conversions(rng, 3000, 0.2, 0.5, 0.08), correlated_conversions(rng, 3000, 0.2, 0.55, 0.1)]),
        (
            "conversion, 3% with pre-exposure conversions, 3 variants of unequal size",
            "conversion",
            [correlated_conversions(rng, 20_000, 0.03, 0.4, 0.05), correlated_conversions(rng, 19_800, 0.03, 0.42, 0.055), correlated_conversions(rng, 20_150, 0.03, 0.4, 0.05)],
        ),
        ("value, nobody with pre-exposure activity (X = 0): θ = 0", "value", [(bivariate_normal(rng, 500, 10, 3, 0, 0)[0], np.zeros(500)), (bivariate_normal(rng, 520, 10, 3, 0, 0.5)[0], np.zeros(520))]),
        ("conversion, nobody converted before exposure (X = 0): θ = 0", "conversion", [(correlated_conversions(rng, 800, 0, 0, 0.1)[0], np.zeros(800)), (correlated_conversions(rng, 820, 0, 0, 0.13)[0], np.zeros(820))]),
    ]


def main():
    rng = np.random.default_rng(SEED)
    cases = []
    for name, metric_type, arms in datasets(rng):
        arms = [(np.asarray(y, dtype=float), np.asarray(x, dtype=float)) for y, x in arms]
        ids = ["control"] + [f"treatment_{i}" for i in range(1, len(arms))]
        comparisons = []
        for variant_id, variant in zip(ids[1:], arms[1:]):
            expected = growthbook_cuped(arms[0], variant, metric_type)
            comparisons.append({"variant_id": variant_id, "expected": expected, "ols": ols_cross_check(arms[0], variant, metric_type, expected)})
        cases.append(
            {
                "name": name,
                "metric_type": metric_type,
                "arms": [sufficient_statistics(i, y, x) for i, (y, x) in zip(ids, arms)],
                "comparisons": comparisons,
            }
        )
    payload = {
        "metadata": metadata("CUPED: GrowthBook's formulas on raw per-person data (NumPy, SciPy, mpmath quantiles), statsmodels OLS cross-checks", T_PPF_DEVIATION[0]),
        "cases": cases,
    }
    path = os.path.join(FIXTURES_DIR, "growthbook-cuped.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(payload, f, indent=2, sort_keys=True)
        f.write("\n")
    print("wrote", os.path.relpath(path), f"(scipy t.ppf vs mpmath: {T_PPF_DEVIATION[0]:.2e})")


if __name__ == "__main__":
    main()

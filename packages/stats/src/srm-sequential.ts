/**
 * Anytime-valid sample-ratio mismatch test: the Dirichlet–multinomial
 * mixture of Lindon & Malek, "Anytime-Valid Inference for Multinomial Count
 * Data" (NeurIPS 2022).
 *
 * Under H0 each person lands in variant i with probability θ0_i (the
 * normalised weights). Mixing the multinomial likelihood over
 * θ ~ Dirichlet(α0), α0 = c·θ0, gives the Bayes factor of the cumulative
 * counts n (N = Σ n_i, C = Σ α0_i = c)
 *
 *   BF_n = [B(α0 + n) / B(α0)] / Π θ0_i^{n_i},   B(a) = Π Γ(a_i) / Γ(Σ a_i),
 *
 * a non-negative martingale with mean 1 under H0 in the persons, so by
 * Ville's inequality P(∃ n: BF_n ≥ 1/α) ≤ α — exactly, not asymptotically.
 * The looks of a live experiment are stopping times of that sequence, so
 * the running minimum over looks of min(1, 1/BF) is a valid p-value however
 * often it is computed (the caller carries it; see analyze.ts).
 */
import { logGamma } from './distributions';
import { stirlingCorrection } from './distributions/log-gamma';

/** Bound once: global lookups are slow inside Jest's vm context, and the simulations call this in tight loops. */
const { exp, log, log1p, min, PI } = Math;

/**
 * c, the Dirichlet prior's concentration (α0 = c·θ0). The prior's standard
 * deviation of a share is √(θ(1 − θ)/(c + 1)), 0.05 for a 50/50 split: small
 * c bets on gross mismatches (a broken assignment path), large c on subtle
 * ones. Measured by `npm run sim:srm` over c = 10, 100, 1000, 10000 (README):
 * 100 detects a 55/45 skew fastest, a 52/48 skew within 3% of the best and
 * 51/49 within 10%, so it is the default (it is also savvi's default k).
 */
export const SRM_PRIOR_CONCENTRATION = 100;

/** Below this Stirling's series is not accurate to 1e-16 (as in log-gamma.ts). */
const STIRLING_MIN = 10;
const HALF_LOG_TWO_PI = 0.5 * log(2 * PI);

export interface SrmSequentialResult {
  /** ln BF_n at these counts. */
  logBayesFactor: number;
  /** min(1, 1/BF_n) at this look; the test's p-value is its running minimum over looks. */
  pValue: number;
}

/** ω(y) = lnΓ(y) - [(y - ½)ln y - y + ½ln 2π]: small for every y > 0, tiny for large y. */
function stirlingRemainder(y: number): number {
  return y >= STIRLING_MIN ? stirlingCorrection(y) : logGamma(y) - ((y - 0.5) * log(y) - y + HALF_LOG_TWO_PI);
}

/**
 * ln BF_n of the observed persons per variant against the weights.
 *
 * Written out as Σ lnΓ(α0_i + n_i) - lnΓ(c + N) - Σ lnΓ(α0_i) + lnΓ(c) - Σ n_i ln θ_i
 * it subtracts terms of size N ln N (SciPy's gammaln loses 1e-9 that way at
 * N = 1e6). With lnΓ(y) = (y - ½)ln y - y + ½ln 2π + ω(y), x_i = α0_i + n_i,
 * X = c + N and d_i = n_i - Nθ_i the large terms cancel analytically:
 *
 *   ln BF_n = Σ (x_i - ½) log1p(d_i / (Xθ_i)) - (k - 1)/2 · log1p(N / c)
 *             + Σ [ω(x_i) - ω(α0_i)] - [ω(X) - ω(c)],
 *
 * which is exactly 0 at N = 0 and loses only about 1e-16·N to the rounding of d_i.
 *
 * @param observed persons per variant (non-negative integers).
 * @param weights allocation weights (> 0, normalised here), parallel to `observed`.
 */
export function srmLogBayesFactor(observed: readonly number[], weights: readonly number[], concentration = SRM_PRIOR_CONCENTRATION): number {
  const weightTotal = weights.reduce((a, b) => a + b, 0);
  const total = observed.reduce((a, b) => a + b, 0);
  const big = concentration + total;
  let sum = -0.5 * (observed.length - 1) * log1p(total / concentration) - (stirlingRemainder(big) - stirlingRemainder(concentration));
  observed.forEach((n, i) => {
    const theta = weights[i] / weightTotal;
    const prior = concentration * theta;
    const x = prior + n;
    sum += (x - 0.5) * log1p((n - total * theta) / (big * theta)) + stirlingRemainder(x) - stirlingRemainder(prior);
  });
  return sum;
}

export function srmSequentialTest(observed: readonly number[], weights: readonly number[], concentration = SRM_PRIOR_CONCENTRATION): SrmSequentialResult {
  const logBayesFactor = srmLogBayesFactor(observed, weights, concentration);
  // In logs, so overwhelming evidence gives p = 0 rather than 1/Infinity.
  return { logBayesFactor, pValue: exp(min(0, -logBayesFactor)) };
}

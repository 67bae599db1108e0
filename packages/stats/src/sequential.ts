/**
 * Always-valid inference under continuous monitoring: the asymptotic
 * confidence sequences of Waudby-Smith et al. ("Time-uniform central limit
 * theory and asymptotic confidence sequences", arXiv:2103.06476, eq. 155 for
 * the p-value), exactly as GrowthBook implements them.
 *
 * With n the total persons of both arms, σ̂² = n·SE² the per-person variance
 * of the estimate and ρ the mixing parameter, the statistic
 *
 *   M_n = exp(ρ² n² θ̂² / (2 σ̂² (nρ² + 1))) / √(nρ² + 1)
 *
 * is Robbins' normal-mixture martingale (Gaussian mixture over the effect,
 * i.e. the mSPRT of Johari et al. with mixing variance τ² = ρ²σ²), so by
 * Ville's inequality P(∃n: M_n ≥ 1/α) ≤ α under the null. The p-value is
 * min(1, 1/M_n); the confidence sequence is the set of effects whose M_n
 * stays below 1/α, which is θ̂ ± SE·√(2(nρ² + 1)/(nρ²) · ln(√(nρ² + 1)/α)).
 *
 * ρ is chosen so the sequence is tightest at n = N* (the tuning parameter):
 * ρ² = (-2 ln α + ln(-2 ln α + 1)) / N*.
 */
import type { Effect } from './effects';

export interface SequentialResult {
  pValue: number;
  csLower: number;
  csUpper: number;
}

export function sequentialRho(alpha: number, tuningParameter: number): number {
  const minusTwoLogAlpha = -2 * Math.log(alpha);
  return Math.sqrt((minusTwoLogAlpha + Math.log(minusTwoLogAlpha + 1)) / tuningParameter);
}

/**
 * @param totalPersons persons in control + variant (GrowthBook's n).
 */
export function sequentialTest(effect: Effect, totalPersons: number, alpha: number, tuningParameter: number): SequentialResult {
  const rho2n = sequentialRho(alpha, tuningParameter) ** 2 * totalPersons;
  const z = effect.estimate / effect.standardError;
  // ln M_n with σ̂² = n·SE²; kept in logs so a huge M_n gives p = 0, not 1/Infinity.
  const logEvidence = (rho2n * z * z) / (2 * (rho2n + 1)) - 0.5 * Math.log1p(rho2n);
  const pValue = Math.exp(Math.min(0, -logEvidence));
  const halfWidth = effect.standardError * Math.sqrt(((2 * (rho2n + 1)) / rho2n) * (0.5 * Math.log1p(rho2n) - Math.log(alpha)));
  return { pValue, csLower: effect.estimate - halfWidth, csUpper: effect.estimate + halfWidth };
}

/**
 * The running minimum of always-valid p-values: min over all looks so far,
 * which stays valid (P(running min ≤ α ever) ≤ α) and never increases.
 * Either argument may be null (no earlier value, or undefined now).
 */
export function runningMinimum(previous: number | null | undefined, current: number | null): number | null {
  if (previous === null || previous === undefined || !Number.isFinite(previous)) return current;
  if (current === null) return previous;
  return Math.min(previous, current);
}

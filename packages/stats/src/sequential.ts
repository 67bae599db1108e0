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
import { normalCdf } from './distributions';
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

/** ln M_n for z = θ̂/SE and nρ²; in logs so that a huge M_n gives p = 0, not 1/Infinity. */
function logEvidence(z: number, rho2n: number): number {
  return (rho2n * z * z) / (2 * (rho2n + 1)) - 0.5 * Math.log1p(rho2n);
}

function pValueOf(logMartingale: number): number {
  return Math.exp(Math.min(0, -logMartingale));
}

/**
 * @param totalPersons persons in control + variant (GrowthBook's n).
 */
export function sequentialTest(effect: Effect, totalPersons: number, alpha: number, tuningParameter: number): SequentialResult {
  const rho2n = sequentialRho(alpha, tuningParameter) ** 2 * totalPersons;
  const pValue = pValueOf(logEvidence(effect.estimate / effect.standardError, rho2n));
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

/**
 * One-sided always-valid p-value of H0: effect ≤ 0 in the `towards`
 * direction (for a guardrail: "no regression"). Mixing Robbins' martingale
 * over a half-normal instead of a normal prior on the effect gives, with
 * z signed towards the alternative and r = nρ²,
 *
 *   M⁺_n = 2 · M_n · Φ(z · √(r / (r + 1))),
 *
 * again a test martingale under the null (Ville: P(∃n: M⁺_n ≥ 1/α) ≤ α), so
 * min(1, 1/M⁺_n) and its running minimum are valid one-sided p-values. As
 * M⁺ ≤ 2M it is at least half the two-sided p-value, tending to half of it
 * as the evidence in the tested direction grows, and near 1 in the other.
 */
export function oneSidedSequentialPValue(
  effect: Effect,
  totalPersons: number,
  alpha: number,
  tuningParameter: number,
  towards: 'increase' | 'decrease',
): number {
  const rho2n = sequentialRho(alpha, tuningParameter) ** 2 * totalPersons;
  const z = (towards === 'increase' ? 1 : -1) * (effect.estimate / effect.standardError);
  return pValueOf(Math.LN2 + logEvidence(z, rho2n) + Math.log(normalCdf(z * Math.sqrt(rho2n / (rho2n + 1)))));
}

export interface Interval {
  lower: number;
  upper: number;
}

export interface Intersection {
  interval: Interval | null;
  /** The current interval was disjoint from the running one. */
  conflict: boolean;
}

const excludesZero = (i: Interval): boolean => i.lower > 0 || i.upper < 0;

/**
 * The running intersection of confidence sequences. Every (1 − α)
 * confidence sequence covers the effect at all times with probability
 * ≥ 1 − α, so the intersection of its values over the updates does too,
 * and it is never wider than the current one. Either argument may be null
 * (not started yet, or undefined at this update).
 *
 * A disjoint current interval contradicts a constant effect (a drifting
 * effect, or an event of probability ≤ α). The one of the two that
 * excludes 0 is kept — the running one when both do — so that, exactly as
 * for the running minimum of the p-values, the reported interval excludes 0
 * iff some update's sequence did, and its side never flips.
 */
export function intersectConfidenceSequences(running: Interval | null, current: Interval | null): Intersection {
  if (running === null) return { interval: current, conflict: false };
  if (current === null) return { interval: running, conflict: false };
  const lower = Math.max(running.lower, current.lower);
  const upper = Math.min(running.upper, current.upper);
  if (lower <= upper) return { interval: { lower, upper }, conflict: false };
  return { interval: excludesZero(running) ? running : current, conflict: true };
}

/** The side of an interval that excludes 0; null when it contains 0. */
export function sideOf(interval: Interval | null): 'increase' | 'decrease' | null {
  if (interval === null || !excludesZero(interval)) return null;
  return interval.lower > 0 ? 'increase' : 'decrease';
}

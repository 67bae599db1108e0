/**
 * Point estimates and standard errors of the difference between a variant
 * and the control, plus the Welch–Satterthwaite degrees of freedom. An
 * effect is `null` when it is undefined (an empty arm, an unknown variance,
 * a zero control mean for the lift, or a zero standard error).
 */
import type { ArmSummary } from './sufficient-statistics';

export interface Effect {
  estimate: number;
  /** Strictly positive and finite. */
  standardError: number;
}

/** Both arms with at least two persons and known variances. */
interface Estimable {
  n: number;
  mean: number;
  variance: number;
}

function estimable(arm: ArmSummary): Estimable | null {
  if (arm.n < 2 || arm.mean === null || arm.variance === null) return null;
  return { n: arm.n, mean: arm.mean, variance: arm.variance };
}

/** An effect when its estimate is finite and its standard error finite and > 0. */
export function effectOrNull(estimate: number, standardError: number): Effect | null {
  if (!Number.isFinite(estimate) || !Number.isFinite(standardError) || !(standardError > 0)) return null;
  return { estimate, standardError };
}

/** variant mean - control mean, with standard error √(s_c²/n_c + s_v²/n_v). */
export function absoluteEffect(control: ArmSummary, variant: ArmSummary): Effect | null {
  const c = estimable(control);
  const v = estimable(variant);
  if (c === null || v === null) return null;
  return effectOrNull(v.mean - c.mean, Math.sqrt(c.variance / c.n + v.variance / v.n));
}

/**
 * (variant mean - control mean) / control mean with the delta-method
 * standard error √(s_v²/(n_v m_c²) + s_c² m_v²/(n_c m_c⁴)), GrowthBook's
 * formula, rearranged so that tiny control means do not overflow m_c⁴.
 */
export function relativeEffect(control: ArmSummary, variant: ArmSummary): Effect | null {
  const c = estimable(control);
  const v = estimable(variant);
  if (c === null || v === null || c.mean === 0) return null;
  const ratio = v.mean / c.mean;
  const standardError = Math.sqrt(v.variance / v.n + (c.variance / c.n) * ratio * ratio) / Math.abs(c.mean);
  return effectOrNull((v.mean - c.mean) / c.mean, standardError);
}

/**
 * Welch–Satterthwaite degrees of freedom (q_c + q_v)² / (q_c²/(n_c-1) + q_v²/(n_v-1))
 * with q = s²/n, computed on the shares q/(q_c + q_v) to avoid overflow.
 * When one variance is 0 this is n - 1 of the other arm; null when both are.
 */
export function welchDegreesOfFreedom(control: ArmSummary, variant: ArmSummary): number | null {
  const c = estimable(control);
  const v = estimable(variant);
  if (c === null || v === null) return null;
  const qc = c.variance / c.n;
  const qv = v.variance / v.n;
  const total = qc + qv;
  if (!(total > 0) || !Number.isFinite(total)) return null;
  const sc = qc / total;
  const sv = qv / total;
  return 1 / ((sc * sc) / (c.n - 1) + (sv * sv) / (v.n - 1));
}

/**
 * The intervals this package computes itself (chart bands, segment lifts)
 * are at this fixed level; the experiment's own statistics come with the
 * processor's alpha. 1.959963984540054 = Φ⁻¹(0.975).
 */
export const Z_95 = 1.959963984540054;
export const INTERVAL_LEVEL = 0.95;

export interface Interval {
  estimate: number | null;
  lower: number | null;
  upper: number | null;
}

export const EMPTY_INTERVAL: Interval = { estimate: null, lower: null, upper: null };

/**
 * Wilson score interval of a proportion: stays inside [0, 1] and behaves
 * for small n and rates near 0 or 1, unlike the normal approximation.
 * Successes above n are clamped (a count of clicks from persons whose view
 * was not seen yet).
 */
export function wilsonInterval(successes: number, n: number, z = Z_95): Interval {
  if (!(n > 0)) return EMPTY_INTERVAL;
  const p = Math.min(Math.max(successes, 0), n) / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return { estimate: p, lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

/** estimate ± z·se, or the empty interval when either is unknown. */
export function normalInterval(estimate: number | null | undefined, standardError: number | null | undefined, z = Z_95): Interval {
  if (estimate === null || estimate === undefined || standardError === null || standardError === undefined) return EMPTY_INTERVAL;
  return { estimate, lower: estimate - z * standardError, upper: estimate + z * standardError };
}

/** a / b, or null when b is 0. */
export function ratio(a: number, b: number): number | null {
  return b > 0 ? a / b : null;
}

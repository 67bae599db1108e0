/**
 * Fixed-horizon inference: Welch's t-test and the matching (1 - alpha)
 * confidence interval, t-distributed with Welch–Satterthwaite degrees of
 * freedom, as GrowthBook and SciPy compute them. These p-values are valid
 * only when looked at once, at a sample size fixed in advance.
 */
import { studentTQuantile, studentTTwoSided } from './distributions';
import type { Effect } from './effects';

export interface FixedHorizonResult {
  t: number;
  df: number;
  pValue: number;
  ciLower: number;
  ciUpper: number;
}

export function welchTTest(effect: Effect, df: number, alpha: number): FixedHorizonResult {
  const t = effect.estimate / effect.standardError;
  const halfWidth = studentTQuantile(1 - alpha / 2, df) * effect.standardError;
  return {
    t,
    df,
    pValue: studentTTwoSided(t, df),
    ciLower: effect.estimate - halfWidth,
    ciUpper: effect.estimate + halfWidth,
  };
}

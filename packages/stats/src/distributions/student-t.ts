/**
 * Student t distribution with real (Welch–Satterthwaite) degrees of freedom:
 * density, CDF, survival function, two-sided tail and quantile.
 *
 * P(|T| > |t|) = I_x(ν/2, ½) with x = ν / (ν + t²); x and 1 - x are built
 * from the ratio t²/ν (or its inverse) so neither comes from a cancelling
 * subtraction. Infinite ν is the normal distribution.
 */
import { logBeta } from './log-gamma';
import { regularizedBeta } from './incomplete-beta';
import { normalCdf, normalPdf, normalQuantile } from './normal';

/** Bound once: global lookups such as `Math.abs` are slow inside Node vm contexts (Jest's), and these run in tight loops. */
const { abs, exp, log, log1p } = Math;

/** Newton/bisection stops when a step changes t by less than this, relatively. */
const QUANTILE_TOLERANCE = 1e-15;
const QUANTILE_MAX_ITERATIONS = 200;

/** x = ν/(ν+t²) and y = t²/(ν+t²), computed without overflow or cancellation. */
function betaArguments(t: number, df: number): { x: number; y: number } {
  const t2 = t * t;
  if (t2 < df) {
    const q = t2 / df;
    return { x: 1 / (1 + q), y: q / (1 + q) };
  }
  const r = df / t2;
  return { x: r / (1 + r), y: 1 / (1 + r) };
}

/** P(|T| > |t|): the two-sided p-value of a t statistic. */
export function studentTTwoSided(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return Number.NaN;
  if (df === Infinity) return 2 * normalCdf(-abs(t));
  if (!Number.isFinite(t)) return 0;
  const { x, y } = betaArguments(t, df);
  return regularizedBeta(df / 2, 0.5, x, y).lower;
}

/** P(T ≤ t). */
export function studentTCdf(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return Number.NaN;
  if (df === Infinity) return normalCdf(t);
  if (t === -Infinity) return 0;
  if (t === Infinity) return 1;
  const { x, y } = betaArguments(t, df);
  const { lower, upper } = regularizedBeta(df / 2, 0.5, x, y);
  return t < 0 ? 0.5 * lower : 0.5 + 0.5 * upper;
}

/** P(T > t), without cancellation for large t. */
export function studentTSf(t: number, df: number): number {
  return studentTCdf(-t, df);
}

export function studentTPdf(t: number, df: number): number {
  if (df === Infinity) return normalPdf(t);
  const logDensity = -0.5 * log(df) - logBeta(df / 2, 0.5) - ((df + 1) / 2) * log1p((t * t) / df);
  return exp(logDensity);
}

/** Cornish–Fisher expansion of the t quantile around the normal one. */
function cornishFisher(z: number, df: number): number {
  const z2 = z * z;
  const g1 = (z * (z2 + 1)) / 4;
  const g2 = (z * ((5 * z2 + 16) * z2 + 3)) / 96;
  const g3 = (z * (((3 * z2 + 19) * z2 + 17) * z2 - 15)) / 384;
  const g4 = (z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945)) / 92160;
  return z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df;
}

/**
 * The t > 0 with P(T > t) = q, for q in (0, ½): safeguarded Newton on
 * ln P(T > t), whose curvature is mild even in far tails, with a bracket
 * that falls back to bisection when a step leaves it.
 */
function upperQuantile(q: number, df: number): number {
  let low = 0;
  let high = Infinity;
  let t = cornishFisher(normalQuantile(1 - q), df);
  if (!(t > 0) || !Number.isFinite(t)) t = 1;
  const logTarget = log(q);
  for (let i = 0; i < QUANTILE_MAX_ITERATIONS; i += 1) {
    const sf = studentTSf(t, df);
    if (sf > q) low = t;
    else high = t;
    // d/dt ln sf(t) = -pdf(t) / sf(t)
    let next = t + ((log(sf) - logTarget) * sf) / studentTPdf(t, df);
    if (!(next > low && next < high)) {
      next = high === Infinity ? 2 * t : 0.5 * (low + high);
    }
    if (abs(next - t) <= QUANTILE_TOLERANCE * t) return next;
    t = next;
  }
  return t;
}

/** The t with P(T ≤ t) = p; ±Infinity at p = 0 or 1, NaN outside [0, 1]. */
export function studentTQuantile(p: number, df: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1 || !(df > 0)) return Number.NaN;
  if (df === Infinity) return normalQuantile(p);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  // 1 - p is exact for p ≥ ½.
  return p > 0.5 ? upperQuantile(1 - p, df) : -upperQuantile(p, df);
}

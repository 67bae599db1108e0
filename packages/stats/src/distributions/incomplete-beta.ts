/**
 * Regularized incomplete beta function I_x(a, b) and its complement, for
 * the Student t distribution. The caller passes both x and y = 1 - x so
 * that neither has to be rebuilt by a cancelling subtraction (a t tail of
 * 1e-12 lives in y, not in 1 - x).
 */
import { logBeta } from './log-gamma';

/** Bound once: global lookups such as `Math.abs` are slow inside Node vm contexts (Jest's), and these run in tight loops. */
const { abs, exp, log, log1p } = Math;

/** Relative change below which the continued fraction has converged (one ulp: 1e-16 could demand an exact 1 that rounding never gives). */
const EPSILON = Number.EPSILON;
const TINY = 1e-300;
/**
 * The continued fraction needs O(√max(a, b)) terms; Welch degrees of freedom
 * of 2e9 (a = 1e9) take about 1e5. Past that the last estimate is returned.
 */
const MAX_ITERATIONS = 1_000_000;

/** Continued fraction for I_x(a, b) · a · B(a, b) / (x^a y^b), modified Lentz. */
function continuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < MAX_ITERATIONS; m += 1) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (abs(delta - 1) <= EPSILON) break;
  }
  return h;
}

/** ln x computed from whichever of x and y = 1 - x holds it more precisely. */
function logOf(x: number, y: number): number {
  return x < 0.5 ? log(x) : log1p(-y);
}

/**
 * I_x(a, b) (`lower`) and 1 - I_x(a, b) (`upper`), each to full relative
 * precision, for a, b > 0 and x + y = 1 with x, y in [0, 1].
 */
export function regularizedBeta(a: number, b: number, x: number, y: number): { lower: number; upper: number } {
  if ([a, b, x, y].some(Number.isNaN) || !(a > 0) || !(b > 0)) {
    return { lower: Number.NaN, upper: Number.NaN };
  }
  if (x <= 0) return { lower: 0, upper: 1 };
  if (y <= 0) return { lower: 1, upper: 0 };
  const logFront = a * logOf(x, y) + b * logOf(y, x) - logBeta(a, b);
  const front = exp(logFront);
  // The fraction converges fast on the side of the distribution's mean.
  if (x < (a + 1) / (a + b + 2)) {
    const lower = (front * continuedFraction(a, b, x)) / a;
    return { lower, upper: 1 - lower };
  }
  const upper = (front * continuedFraction(b, a, y)) / b;
  return { lower: 1 - upper, upper };
}

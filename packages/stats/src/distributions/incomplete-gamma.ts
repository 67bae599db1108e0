/**
 * Regularized incomplete gamma functions P(a, x) and Q(a, x) = 1 - P(a, x),
 * each computed directly (series for x < a + 1, Lentz continued fraction
 * otherwise) so that a tiny tail is never obtained as 1 - (something near 1).
 * Used for the normal distribution (erfc(z) = Q(½, z²)) and the chi-square
 * distribution (sf(x; k) = Q(k/2, x/2)).
 */
import { logGamma } from './log-gamma';

/** Bound once: global lookups such as `Math.abs` are slow inside Node vm contexts (Jest's), and these run in tight loops. */
const { abs, exp, log } = Math;

/** Relative accuracy at which a series or continued fraction stops. */
const EPSILON = Number.EPSILON;
/** Stand-in for zero in the Lentz algorithm, which must never divide by 0. */
const TINY = 1e-300;
/**
 * Iteration cap. The series needs about x terms and the continued fraction
 * about √a; the shapes here are at most a few hundred, so this is never hit
 * unless the arguments are out of range.
 */
const MAX_ITERATIONS = 100_000;

function logPrefactor(a: number, x: number): number {
  return a * log(x) - x - logGamma(a);
}

/** Σ x^n / (a (a+1) … (a+n)), the series part of P(a, x). */
function lowerSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  let ap = a;
  for (let i = 0; i < MAX_ITERATIONS; i += 1) {
    ap += 1;
    term *= x / ap;
    sum += term;
    if (abs(term) <= abs(sum) * EPSILON) break;
  }
  return sum * exp(logPrefactor(a, x));
}

/** Continued fraction for Q(a, x), modified Lentz. */
function upperContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i += 1) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (abs(delta - 1) <= EPSILON) break;
  }
  return exp(logPrefactor(a, x)) * h;
}

/** P(a, x) and Q(a, x) together, each to full relative precision. */
export function regularizedGamma(a: number, x: number): { lower: number; upper: number } {
  if (Number.isNaN(a) || Number.isNaN(x) || !(a > 0)) return { lower: Number.NaN, upper: Number.NaN };
  if (x <= 0) return { lower: 0, upper: 1 };
  if (x === Infinity) return { lower: 1, upper: 0 };
  if (x < a + 1) {
    const lower = lowerSeries(a, x);
    return { lower, upper: 1 - lower };
  }
  const upper = upperContinuedFraction(a, x);
  return { lower: 1 - upper, upper };
}

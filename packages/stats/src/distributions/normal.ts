/**
 * Standard normal distribution: density, CDF, survival function and
 * quantile. The CDF goes through the incomplete gamma function
 * (Φ(-z) = ½ Q(½, z²/2)), which keeps full relative precision deep into
 * the tails (Φ(-37) ≈ 5.7e-300). The quantile is Acklam's rational
 * approximation (relative error 1.15e-9) refined by one Halley step
 * against that CDF, which brings it to double precision.
 */
import { regularizedGamma } from './incomplete-gamma';

/** Bound once: global lookups such as `Math.abs` are slow inside Node vm contexts (Jest's), and these run in tight loops. */
const { PI, exp, log, sqrt } = Math;

const SQRT_TWO_PI = sqrt(2 * PI);

/** Acklam's coefficients: central region numerator / denominator. */
const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
/** Tail region numerator / denominator. */
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
/** Where Acklam switches from the tail to the central approximation. */
const P_LOW = 0.02425;
/**
 * Below this the Halley correction's exp(x²/2) would overflow; Acklam's
 * 1e-9 relative accuracy is kept there (only reachable for p < 1e-300).
 */
const P_REFINE_MIN = 1e-300;

export function normalPdf(x: number): number {
  return exp(-0.5 * x * x) / SQRT_TWO_PI;
}

/** Φ(x) = P(Z ≤ x). */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const { lower, upper } = regularizedGamma(0.5, 0.5 * x * x);
  return x < 0 ? 0.5 * upper : 0.5 + 0.5 * lower;
}

/** 1 - Φ(x) = P(Z > x), without cancellation for large x. */
export function normalSf(x: number): number {
  return normalCdf(-x);
}

function acklam(p: number): number {
  if (p < P_LOW) {
    const q = sqrt(-2 * log(p));
    return (
      (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
      ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) /
    (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1)
  );
}

/** Φ⁻¹(p) for p in [0, 1]; ±Infinity at the ends, NaN outside. */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return Number.NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  // 1 - p is exact for p ≥ ½, so the upper half mirrors the lower one.
  if (p > 0.5) return -normalQuantile(1 - p);
  const x = acklam(p);
  if (p < P_REFINE_MIN) return x;
  const e = normalCdf(x) - p;
  const u = e * SQRT_TWO_PI * exp(0.5 * x * x);
  return x - u / (1 + 0.5 * x * u);
}

/**
 * Log-gamma and log-beta functions, accurate to a few ulps for the
 * arguments this package uses (shape parameters from 1e-3 to 1e9).
 *
 * Both use Stirling's series with its Bernoulli-number correction terms for
 * arguments of at least STIRLING_MIN and the recurrence Γ(x) = Γ(x+k) / (x…(x+k-1))
 * below it, so no long table of fitted coefficients is needed. The log-beta
 * of large arguments is written in terms of log1p so that the huge
 * `lgamma` values never cancel each other (the reason a naive
 * lgamma(a) + lgamma(b) - lgamma(a + b) loses 8 digits at a = 5e6).
 */

/** Bound once: global lookups such as `Math.abs` are slow inside Node vm contexts (Jest's), and these run in tight loops. */
const { PI, log, log1p, max, min } = Math;

/** Below this the Stirling correction series is not accurate to 1e-16. */
const STIRLING_MIN = 10;
const HALF_LOG_TWO_PI = 0.5 * log(2 * PI);

/**
 * ω(x) = lnΓ(x) - [(x - ½)ln x - x + ½ln 2π], the Stirling remainder, for
 * x ≥ STIRLING_MIN. Terms B_{2k} / (2k(2k-1)x^{2k-1}) up to k = 7; the
 * first omitted term is below 3e-17 at x = 10.
 */
export function stirlingCorrection(x: number): number {
  const inv = 1 / x;
  const inv2 = inv * inv;
  return (
    inv *
    (1 / 12 +
      inv2 *
        (-1 / 360 +
          inv2 * (1 / 1260 + inv2 * (-1 / 1680 + inv2 * (1 / 1188 + inv2 * (-691 / 360360 + inv2 / 156))))))
  );
}

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  if (x === Infinity) return Infinity;
  if (x >= STIRLING_MIN) {
    return (x - 0.5) * log(x) - x + HALF_LOG_TWO_PI + stirlingCorrection(x);
  }
  // Shift up with the recurrence: lnΓ(x) = lnΓ(x + k) - ln(x (x+1) … (x+k-1)).
  let product = 1;
  let shifted = x;
  while (shifted < STIRLING_MIN) {
    product *= shifted;
    shifted += 1;
  }
  return logGamma(shifted) - log(product);
}

/** ln B(a, b) = lnΓ(a) + lnΓ(b) - lnΓ(a + b) for a, b > 0. */
export function logBeta(a: number, b: number): number {
  if (!(a > 0) || !(b > 0)) return Number.NaN;
  const big = max(a, b);
  const small = min(a, b);
  if (big < STIRLING_MIN) {
    return logGamma(a) + logGamma(b) - logGamma(a + b);
  }
  const sum = big + small;
  if (small < STIRLING_MIN) {
    // lnΓ(big) - lnΓ(big + small) via Stirling, written with log1p.
    const difference =
      -(big - 0.5) * log1p(small / big) -
      small * log(sum) +
      small +
      stirlingCorrection(big) -
      stirlingCorrection(sum);
    return logGamma(small) + difference;
  }
  return (
    HALF_LOG_TWO_PI -
    0.5 * log(sum) -
    (big - 0.5) * log1p(small / big) -
    (small - 0.5) * log1p(big / small) +
    stirlingCorrection(big) +
    stirlingCorrection(small) -
    stirlingCorrection(sum)
  );
}

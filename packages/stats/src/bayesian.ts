/**
 * Bayesian summaries, GrowthBook's "effect" approach with a flat
 * (improper) prior: the posterior of the effect is N(θ̂, SE²). Then
 *
 *   chance to beat control = P(θ > 0) = Φ(θ̂/SE)
 *   risk of the control    = E[max(θ, 0)]  (what keeping the control loses if the variant is better)
 *   risk of the variant    = E[max(-θ, 0)] (what shipping the variant loses if the control is better)
 *
 * with the closed form E[max(X, 0)] = σ·(zΦ(z) + φ(z)), z = μ/σ, for X ~ N(μ, σ²).
 * For an inverse metric (lower is better) the roles flip.
 */
import { normalCdf, normalPdf } from './distributions';
import type { Effect } from './effects';

export interface BayesianResult {
  chanceToBeatControl: number;
  riskVariant: number;
  riskControl: number;
}

/** E[max(X, 0)] / σ for X ~ N(zσ, σ²). */
function positivePartScaled(z: number): number {
  return z * normalCdf(z) + normalPdf(z);
}

export function bayesianTest(effect: Effect, inverse: boolean): BayesianResult {
  const z = effect.estimate / effect.standardError;
  // E[max(θ, 0)] and E[max(-θ, 0)]. For large |z| the smaller one subtracts
  // two nearly equal tiny numbers, so it is clamped at 0 rather than let go negative.
  const upside = Math.max(0, effect.standardError * positivePartScaled(z));
  const downside = Math.max(0, effect.standardError * positivePartScaled(-z));
  if (inverse) return { chanceToBeatControl: normalCdf(-z), riskVariant: upside, riskControl: downside };
  return { chanceToBeatControl: normalCdf(z), riskVariant: downside, riskControl: upside };
}

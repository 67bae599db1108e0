/** Chi-square distribution tail, P(X > x) = Q(k/2, x/2). */
import { regularizedGamma } from './incomplete-gamma';

export function chiSquareSf(x: number, degreesOfFreedom: number): number {
  return regularizedGamma(degreesOfFreedom / 2, x / 2).upper;
}

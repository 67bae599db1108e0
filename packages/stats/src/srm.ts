/**
 * Sample-ratio mismatch: Pearson's chi-square goodness-of-fit test of the
 * exposed persons per variant against the configured allocation weights,
 * with k - 1 degrees of freedom (scipy.stats.chisquare).
 */
import { chiSquareSf } from './distributions';

export interface SrmTestResult {
  chiSquare: number | null;
  df: number;
  pValue: number | null;
  expected: number[];
}

/** `observed` and `weights` are parallel arrays; weights are positive and need not sum to 1. */
export function srmTest(observed: readonly number[], weights: readonly number[]): SrmTestResult {
  const total = observed.reduce((a, b) => a + b, 0);
  const weightTotal = weights.reduce((a, b) => a + b, 0);
  const expected = weights.map((w) => (total * w) / weightTotal);
  const df = observed.length - 1;
  if (total === 0 || df < 1) return { chiSquare: null, df, pValue: null, expected };
  const chiSquare = observed.reduce((acc, o, i) => acc + (o - expected[i]) ** 2 / expected[i], 0);
  return { chiSquare, df, pValue: chiSquareSf(chiSquare, df), expected };
}

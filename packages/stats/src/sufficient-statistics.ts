/**
 * Validation of per-variant, per-metric sufficient statistics and their
 * reduction to a mean and a variance.
 */
import { isRecord, requireFinite, requireNonNegativeInteger } from './config';
import { StatsInputError } from './errors';
import type { MetricType, SufficientStatistics } from './types';

/**
 * Relative slack allowed when checking sumSquares against sum²/n (and
 * sumSquares = sum for conversions): sums accumulated in floating point
 * over millions of persons drift by far less, while real inconsistencies
 * (a wrong column, a lost update) are far larger.
 */
const CONSISTENCY_TOLERANCE = 1e-9;

export interface ArmSummary {
  n: number;
  /** null when n = 0. */
  mean: number | null;
  /** Per-person variance; null when it cannot be estimated (value metrics with n < 2). */
  variance: number | null;
}

export const EMPTY_STATISTICS: SufficientStatistics = { n: 0, sum: 0, sumSquares: 0 };

export function validateStatistics(field: string, stats: unknown, type: MetricType): SufficientStatistics {
  if (!isRecord(stats)) {
    throw new StatsInputError(field, 'expected an object { n, sum, sumSquares }');
  }
  const n = requireNonNegativeInteger(`${field}.n`, stats.n);
  const sum = requireFinite(`${field}.sum`, stats.sum);
  const sumSquares = requireFinite(`${field}.sumSquares`, stats.sumSquares);
  if (sumSquares < 0) throw new StatsInputError(`${field}.sumSquares`, `got ${sumSquares}, expected a sum of squares ≥ 0`);
  if (n === 0 && (sum !== 0 || sumSquares !== 0)) {
    throw new StatsInputError(field, `got n = 0 with sum ${sum} and sumSquares ${sumSquares}, expected both 0 when nobody is exposed`);
  }
  if (type === 'conversion') {
    if (sum < 0 || sum > n) {
      throw new StatsInputError(`${field}.sum`, `got ${sum} converted of n ${n}, expected 0 ≤ sum ≤ n for a conversion metric`);
    }
    if (Math.abs(sumSquares - sum) > CONSISTENCY_TOLERANCE * Math.max(1, sum)) {
      throw new StatsInputError(
        `${field}.sumSquares`,
        `got ${sumSquares} with sum ${sum}, expected sumSquares = sum for a 0/1 conversion metric`,
      );
    }
  }
  const slack = CONSISTENCY_TOLERANCE * Math.max(1, sumSquares);
  if (n > 0 && sumSquares < (sum * sum) / n - slack) {
    throw new StatsInputError(
      `${field}.sumSquares`,
      `got ${sumSquares} with sum ${sum} and n ${n}, expected sumSquares ≥ sum²/n = ${(sum * sum) / n} (Cauchy–Schwarz)`,
    );
  }
  return { n, sum, sumSquares };
}

/**
 * Mean and per-person variance. Conversions use the Bernoulli variance
 * p(1 - p), as GrowthBook does; values the unbiased sample variance, clamped
 * at 0 against rounding.
 */
export function summarize(stats: SufficientStatistics, type: MetricType): ArmSummary {
  const { n, sum, sumSquares } = stats;
  if (n === 0) return { n, mean: null, variance: null };
  const mean = sum / n;
  if (type === 'conversion') return { n, mean, variance: mean * (1 - mean) };
  if (n < 2) return { n, mean, variance: null };
  return { n, mean, variance: Math.max(0, (sumSquares - sum * mean) / (n - 1)) };
}

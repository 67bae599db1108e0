/**
 * Validation of per-variant, per-metric sufficient statistics and their
 * reduction to a mean and a variance.
 */
import { isRecord, requireFinite, requireNonNegativeInteger } from './config';
import { StatsInputError } from './errors';
import type { CupedStatistics, MetricType, SufficientStatistics } from './types';

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

/** One column of per-person values (Y, or CUPED's X) and the names of its two sums in the input. */
interface Column {
  sum: number;
  sumSquares: number;
  names: readonly [sum: string, sumSquares: string];
}

function validateColumn(field: string, n: number, type: MetricType, column: Column): void {
  const { sum, sumSquares } = column;
  const [sumName, squaresName] = column.names;
  if (sumSquares < 0) throw new StatsInputError(`${field}.${squaresName}`, `got ${sumSquares}, expected a sum of squares ≥ 0`);
  if (n === 0 && (sum !== 0 || sumSquares !== 0)) {
    throw new StatsInputError(field, `got n = 0 with ${sumName} ${sum} and ${squaresName} ${sumSquares}, expected both 0 when nobody is exposed`);
  }
  if (type === 'conversion') {
    if (sum < 0 || sum > n) {
      throw new StatsInputError(`${field}.${sumName}`, `got ${sum} converted of n ${n}, expected 0 ≤ ${sumName} ≤ n for a conversion metric`);
    }
    if (Math.abs(sumSquares - sum) > CONSISTENCY_TOLERANCE * Math.max(1, sum)) {
      throw new StatsInputError(
        `${field}.${squaresName}`,
        `got ${sumSquares} with ${sumName} ${sum}, expected ${squaresName} = ${sumName} for a 0/1 conversion metric`,
      );
    }
  }
  const slack = CONSISTENCY_TOLERANCE * Math.max(1, sumSquares);
  if (n > 0 && sumSquares < (sum * sum) / n - slack) {
    throw new StatsInputError(
      `${field}.${squaresName}`,
      `got ${sumSquares} with ${sumName} ${sum} and n ${n}, expected ${squaresName} ≥ ${sumName}²/n = ${(sum * sum) / n} (Cauchy–Schwarz)`,
    );
  }
}

/**
 * ΣXY must be possible for the persons' X and Y: for 0/1 values the four
 * cells of the 2×2 table are ≥ 0; for any values the centred sums obey
 * Cauchy–Schwarz, |Σ(X − X̄)(Y − Ȳ)| ≤ √(Σ(X − X̄)² Σ(Y − Ȳ)²) (with the same
 * floating-point slack), which also keeps the adjusted variances ≥ 0.
 */
function validateProducts(field: string, n: number, type: MetricType, y: SufficientStatistics, x: CupedStatistics): void {
  const { sumX, sumXSquares, sumXY } = x;
  if (n === 0) {
    if (sumXY !== 0) throw new StatsInputError(`${field}.sumXY`, `got ${sumXY} with n = 0, expected 0 when nobody is exposed`);
    return;
  }
  if (type === 'conversion') {
    const low = Math.max(0, sumX + y.sum - n);
    const high = Math.min(sumX, y.sum);
    if (sumXY < low || sumXY > high) {
      throw new StatsInputError(
        `${field}.sumXY`,
        `got ${sumXY} with sumX ${sumX}, sum ${y.sum} and n ${n}, expected max(0, sumX + sum − n) = ${low} ≤ sumXY ≤ min(sumX, sum) = ${high} for 0/1 values`,
      );
    }
  }
  const centredXX = Math.max(0, sumXSquares - (sumX * sumX) / n);
  const centredYY = Math.max(0, y.sumSquares - (y.sum * y.sum) / n);
  const centredXY = sumXY - (sumX * y.sum) / n;
  const slack = CONSISTENCY_TOLERANCE * Math.sqrt(Math.max(1, sumXSquares) * Math.max(1, y.sumSquares));
  if (Math.abs(centredXY) > Math.sqrt(centredXX * centredYY) + slack) {
    throw new StatsInputError(
      `${field}.sumXY`,
      `got ${sumXY}, expected |sumXY − sumX·sum/n| ≤ √((sumXSquares − sumX²/n)(sumSquares − sum²/n)) (Cauchy–Schwarz): ${Math.abs(centredXY)} > ${Math.sqrt(centredXX * centredYY)}`,
    );
  }
}

function validateCuped(field: string, raw: unknown, type: MetricType, y: SufficientStatistics): CupedStatistics {
  if (!isRecord(raw)) throw new StatsInputError(field, 'expected an object { sumX, sumXSquares, sumXY }');
  const x = {
    sumX: requireFinite(`${field}.sumX`, raw.sumX),
    sumXSquares: requireFinite(`${field}.sumXSquares`, raw.sumXSquares),
    sumXY: requireFinite(`${field}.sumXY`, raw.sumXY),
  };
  validateColumn(field, y.n, type, { sum: x.sumX, sumSquares: x.sumXSquares, names: ['sumX', 'sumXSquares'] });
  validateProducts(field, y.n, type, y, x);
  return x;
}

/**
 * @param cuped the metric has CUPED on: `stats.cuped` is then required once
 *   n > 0 and validated; otherwise it is ignored (and dropped).
 */
export function validateStatistics(field: string, stats: unknown, type: MetricType, cuped = false): SufficientStatistics {
  if (!isRecord(stats)) {
    throw new StatsInputError(field, 'expected an object { n, sum, sumSquares }');
  }
  const n = requireNonNegativeInteger(`${field}.n`, stats.n);
  const sum = requireFinite(`${field}.sum`, stats.sum);
  const sumSquares = requireFinite(`${field}.sumSquares`, stats.sumSquares);
  validateColumn(field, n, type, { sum, sumSquares, names: ['sum', 'sumSquares'] });
  const y = { n, sum, sumSquares };
  if (!cuped || (stats.cuped === undefined && n === 0)) return y;
  if (stats.cuped === undefined) {
    throw new StatsInputError(`${field}.cuped`, `missing with n ${n}: the metric has cuped: true, expected { sumX, sumXSquares, sumXY } of the pre-exposure values`);
  }
  return { ...y, cuped: validateCuped(`${field}.cuped`, stats.cuped, type, y) };
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

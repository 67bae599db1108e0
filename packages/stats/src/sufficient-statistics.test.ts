import { StatsInputError } from './errors';
import { summarize, validateStatistics } from './sufficient-statistics';

function inputError(fn: () => unknown): StatsInputError {
  try {
    fn();
  } catch (error) {
    if (error instanceof StatsInputError) return error;
    throw error;
  }
  throw new Error('expected a StatsInputError');
}

describe('sufficient statistics > validation', () => {
  it.each([
    ['a negative n', { n: -1, sum: 0, sumSquares: 0 }, 'value', /n: got -1, expected a non-negative integer/],
    ['a fractional n', { n: 2.5, sum: 1, sumSquares: 1 }, 'value', /expected a non-negative integer/],
    ['a NaN sum', { n: 2, sum: Number.NaN, sumSquares: 1 }, 'value', /sum: got NaN, expected a finite number/],
    ['an infinite sum of squares', { n: 2, sum: 1, sumSquares: Infinity }, 'value', /sumSquares/],
    ['a negative sum of squares', { n: 2, sum: 1, sumSquares: -1 }, 'value', /expected a sum of squares ≥ 0/],
    ['sums without persons', { n: 0, sum: 3, sumSquares: 9 }, 'value', /expected both 0 when nobody is exposed/],
    ['sumSquares below sum²/n', { n: 2, sum: 1396.87, sumSquares: 52377.9767 }, 'value', /Cauchy–Schwarz/],
    ['more conversions than persons', { n: 5, sum: 6, sumSquares: 6 }, 'conversion', /expected 0 ≤ sum ≤ n/],
    ['sumSquares ≠ sum for a conversion', { n: 10, sum: 3, sumSquares: 5 }, 'conversion', /expected sumSquares = sum/],
    ['a missing field', { n: 10, sum: 3 }, 'value', /sumSquares: got undefined/],
    ['a non-object', 42, 'value', /expected an object/],
  ] as const)('should reject %s', (_name, stats, type, message) => {
    const error = inputError(() => validateStatistics('stats.B.m', stats, type));
    expect(error.name).toBe('StatsInputError');
    expect(error.retriable).toBe(false);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith('stats.B.m')).toBe(true);
  });

  it('should tolerate floating-point drift in sums of squares', () => {
    const sum = 0.1 * 3;
    expect(() => validateStatistics('s', { n: 3, sum, sumSquares: (sum * sum) / 3 - 1e-17 }, 'value')).not.toThrow();
  });
});

describe('sufficient statistics > CUPED sums', () => {
  const y = { n: 10, sum: 20, sumSquares: 50 };
  const reject = (stats: unknown, type: 'value' | 'conversion' = 'value') => inputError(() => validateStatistics('stats.B.m', stats, type, true));

  it.each([
    ['missing sums once there are persons', y, 'value', 'stats.B.m.cuped', /missing with n 10: the metric has cuped: true/],
    ['a non-object', { ...y, cuped: 3 }, 'value', 'stats.B.m.cuped', /expected an object \{ sumX, sumXSquares, sumXY \}/],
    ['a NaN sumX', { ...y, cuped: { sumX: Number.NaN, sumXSquares: 1, sumXY: 1 } }, 'value', 'stats.B.m.cuped.sumX', /got NaN, expected a finite number/],
    ['an infinite sumXY', { ...y, cuped: { sumX: 1, sumXSquares: 1, sumXY: Infinity } }, 'value', 'stats.B.m.cuped.sumXY', /got Infinity/],
    ['a missing sumXSquares', { ...y, cuped: { sumX: 1, sumXY: 1 } }, 'value', 'stats.B.m.cuped.sumXSquares', /got undefined/],
    ['a negative sumXSquares', { ...y, cuped: { sumX: 0, sumXSquares: -1, sumXY: 0 } }, 'value', 'stats.B.m.cuped.sumXSquares', /expected a sum of squares ≥ 0/],
    ['sumXSquares below sumX²/n', { ...y, cuped: { sumX: 10, sumXSquares: 9, sumXY: 20 } }, 'value', 'stats.B.m.cuped.sumXSquares', /expected sumXSquares ≥ sumX²\/n = 10 \(Cauchy–Schwarz\)/],
    ['sums without persons', { n: 0, sum: 0, sumSquares: 0, cuped: { sumX: 1, sumXSquares: 1, sumXY: 0 } }, 'value', 'stats.B.m.cuped', /got n = 0 with sumX 1 and sumXSquares 1, expected both 0/],
    ['a product sum without persons', { n: 0, sum: 0, sumSquares: 0, cuped: { sumX: 0, sumXSquares: 0, sumXY: 2 } }, 'value', 'stats.B.m.cuped.sumXY', /expected 0 when nobody is exposed/],
    ['a covariance beyond Cauchy–Schwarz', { ...y, cuped: { sumX: 20, sumXSquares: 50, sumXY: 100 } }, 'value', 'stats.B.m.cuped.sumXY', /Cauchy–Schwarz/],
    ['more pre-exposure conversions than persons', { n: 10, sum: 3, sumSquares: 3, cuped: { sumX: 11, sumXSquares: 11, sumXY: 3 } }, 'conversion', 'stats.B.m.cuped.sumX', /expected 0 ≤ sumX ≤ n/],
    ['sumXSquares ≠ sumX for a conversion', { n: 10, sum: 3, sumSquares: 3, cuped: { sumX: 4, sumXSquares: 5, sumXY: 2 } }, 'conversion', 'stats.B.m.cuped.sumXSquares', /expected sumXSquares = sumX/],
    ['more persons converted before and after than after', { n: 10, sum: 3, sumSquares: 3, cuped: { sumX: 4, sumXSquares: 4, sumXY: 4 } }, 'conversion', 'stats.B.m.cuped.sumXY', /≤ sumXY ≤ min\(sumX, sum\) = 3/],
    ['too few persons converted both before and after', { n: 10, sum: 8, sumSquares: 8, cuped: { sumX: 7, sumXSquares: 7, sumXY: 4 } }, 'conversion', 'stats.B.m.cuped.sumXY', /max\(0, sumX \+ sum − n\) = 5 ≤ sumXY/],
  ] as const)('should reject %s, naming the field', (_name, stats, type, field, message) => {
    const error = reject(stats, type);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it('should accept an empty arm without sums, and floating-point drift at Cauchy–Schwarz equality', () => {
    expect(validateStatistics('s', { n: 0, sum: 0, sumSquares: 0 }, 'value', true)).toEqual({ n: 0, sum: 0, sumSquares: 0 });
    // X = Y = 0.1 for three persons: every centred sum is 0 up to rounding.
    const sum = 0.1 + 0.1 + 0.1;
    const drift = { n: 3, sum, sumSquares: 0.03, cuped: { sumX: sum, sumXSquares: 0.03, sumXY: 0.03 + 1e-17 } };
    expect(validateStatistics('s', drift, 'value', true).cuped).toEqual(drift.cuped);
  });

  it('should drop the sums, unchecked, when the metric has no CUPED', () => {
    expect(validateStatistics('s', { ...y, cuped: { sumX: Number.NaN } }, 'value')).toEqual(y);
  });
});

describe('sufficient statistics > summary', () => {
  it('should use the Bernoulli variance p(1 - p) for conversions, as GrowthBook does', () => {
    expect(summarize({ n: 4, sum: 1, sumSquares: 1 }, 'conversion')).toEqual({ n: 4, mean: 0.25, variance: 0.1875 });
  });

  it('should use the unbiased sample variance for values', () => {
    expect(summarize({ n: 3, sum: 6, sumSquares: 14 }, 'value')).toEqual({ n: 3, mean: 2, variance: 1 });
  });

  it('should leave undefined what cannot be estimated', () => {
    expect(summarize({ n: 0, sum: 0, sumSquares: 0 }, 'value')).toEqual({ n: 0, mean: null, variance: null });
    expect(summarize({ n: 1, sum: 5, sumSquares: 25 }, 'value')).toEqual({ n: 1, mean: 5, variance: null });
  });

  it('should clamp a rounding-negative variance to zero', () => {
    const s = summarize({ n: 2, sum: 2, sumSquares: 2 - 1e-12 }, 'value');
    expect(s.variance).toBe(0);
  });
});

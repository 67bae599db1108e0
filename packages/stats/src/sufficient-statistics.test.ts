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

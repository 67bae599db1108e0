import { expectClose } from '../test/helpers/close';
import { arms, defined } from '../test/helpers/arms';
import { growthbookFixtures, welchFixtures } from '../test/helpers/fixtures';
import { welchTTest } from './frequentist';

const scipy = welchFixtures();
const growthbook = growthbookFixtures();
/** SciPy/statsmodels agree with each other and with this package to about 1e-12; 1e-9 leaves room for the t tails at df ~ 1e8. */
const REL = 1e-9;
/** GrowthBook's values are rounded to 5 decimals. */
const GB_ABS = 10 ** -growthbook.decimals;

describe('frequentist > Welch t-test against SciPy and statsmodels', () => {
  it.each(scipy.cases.map((c) => [c.name, c] as const))('should match %s', (_name, c) => {
    const a = arms(c.metricType, c.control, c.variant);
    const effect = defined(a.absolute, 'absolute effect');
    const df = defined(a.df, 'df');
    const result = welchTTest(effect, df, scipy.alpha);
    const e = c.expected;
    expectClose(a.control.mean, e.control_mean, { rel: REL }, 'control mean');
    expectClose(a.variant.mean, e.variant_mean, { rel: REL }, 'variant mean');
    expectClose(effect.estimate, e.absolute_difference, { rel: REL, abs: 1e-15 }, 'difference');
    expectClose(result.t, e.t, { rel: REL }, 't');
    expectClose(result.df, e.df, { rel: REL }, 'df');
    expectClose(result.pValue, e.p_value, { rel: REL, abs: 1e-300 }, 'p-value');
    expectClose(result.ciLower, e.ci_lower, { rel: REL, abs: 1e-15 }, 'ci lower');
    expectClose(result.ciUpper, e.ci_upper, { rel: REL, abs: 1e-15 }, 'ci upper');
    if (c.relative !== null) {
      const lift = welchTTest(defined(a.relative, 'relative effect'), df, scipy.alpha);
      const center = (lift.ciLower + lift.ciUpper) / 2;
      expectClose(center, c.relative.relative_lift, { rel: REL, abs: 1e-15 }, 'relative lift');
      expectClose(lift.ciLower, c.relative.relative_ci_lower, { rel: REL, abs: 1e-15 }, 'relative ci lower');
      expectClose(lift.ciUpper, c.relative.relative_ci_upper, { rel: REL, abs: 1e-15 }, 'relative ci upper');
    }
  });
});

describe('frequentist > Welch t-test against GrowthBook gbstats', () => {
  it.each(growthbook.frequentist.map((c) => [c.name, c] as const))('should match %s', (_name, c) => {
    const a = arms(c.metricType, c.control, c.variant);
    const effect = defined(c.differenceType === 'relative' ? a.relative : a.absolute, 'effect');
    const result = welchTTest(effect, defined(a.df, 'df'), 0.05);
    const e = c.expected;
    expectClose(effect.estimate, e.estimate, { abs: GB_ABS }, 'estimate');
    if (e.std_error !== null) expectClose(effect.standardError, e.std_error, { abs: GB_ABS }, 'standard error');
    expectClose(result.ciLower, e.ci_lower, { abs: GB_ABS }, 'ci lower');
    expectClose(result.ciUpper, e.ci_upper, { abs: GB_ABS }, 'ci upper');
    expectClose(result.pValue, e.p_value, { abs: GB_ABS }, 'p-value');
  });
});

describe('frequentist > edge cases', () => {
  it('should use n - 1 of the other arm as df when one arm has zero variance', () => {
    const a = arms('conversion', { n: 50, sum: 0, sumSquares: 0 }, { n: 40, sum: 3, sumSquares: 3 });
    expect(a.df).toBeCloseTo(39, 12);
    expect(a.absolute?.estimate).toBeCloseTo(0.075, 15);
  });

  it('should leave every effect undefined when both arms have zero variance', () => {
    const a = arms('conversion', { n: 50, sum: 0, sumSquares: 0 }, { n: 40, sum: 0, sumSquares: 0 });
    expect(a.df).toBeNull();
    expect(a.absolute).toBeNull();
    expect(a.relative).toBeNull();
  });

  it('should leave the relative lift undefined when the control mean is zero', () => {
    const a = arms('conversion', { n: 50, sum: 0, sumSquares: 0 }, { n: 40, sum: 3, sumSquares: 3 });
    expect(a.relative).toBeNull();
    expect(a.absolute).not.toBeNull();
  });

  it('should leave a value metric undefined below two persons per arm (GrowthBook test_get_metric_dfs_zero_val)', () => {
    for (const c of growthbook.undefinedResults) {
      const a = arms(c.metricType, c.control, c.variant);
      expect(a.df).toBeNull();
      expect(a.absolute).toBeNull();
    }
  });

  it('should stay finite for tiny control rates with huge samples', () => {
    const a = arms('conversion', { n: 1e9, sum: 1, sumSquares: 1 }, { n: 1e9, sum: 40, sumSquares: 40 });
    const result = welchTTest(defined(a.relative, 'relative'), defined(a.df, 'df'), 0.05);
    for (const x of [result.t, result.df, result.pValue, result.ciLower, result.ciUpper]) expect(Number.isFinite(x)).toBe(true);
  });
});

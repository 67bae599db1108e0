import { expectClose } from '../test/helpers/close';
import { arms, defined } from '../test/helpers/arms';
import { growthbookFixtures, oneSidedSequentialFixtures } from '../test/helpers/fixtures';
import { intersectConfidenceSequences, oneSidedSequentialPValue, runningMinimum, sequentialRho, sequentialTest, sideOf } from './sequential';

const growthbook = growthbookFixtures();
const GB_ABS = 10 ** -growthbook.decimals;

describe('sequential > asymptotic confidence sequences against GrowthBook gbstats', () => {
  it.each(growthbook.sequential.map((c) => [c.name, c] as const))('should match %s', (_name, c) => {
    const a = arms(c.metricType, c.control, c.variant);
    const effect = defined(c.differenceType === 'relative' ? a.relative : a.absolute, 'effect');
    const result = sequentialTest(effect, c.control.n + c.variant.n, 0.05, c.tuning);
    expectClose(effect.estimate, c.expected.estimate, { abs: GB_ABS }, 'estimate');
    expectClose(effect.standardError, c.expected.std_error, { abs: GB_ABS }, 'standard error');
    expectClose(result.csLower, c.expected.cs_lower, { abs: GB_ABS }, 'cs lower');
    expectClose(result.csUpper, c.expected.cs_upper, { abs: GB_ABS }, 'cs upper');
    expectClose(result.pValue, c.expected.p_value, { abs: GB_ABS }, 'p-value');
  });
});

describe('sequential > properties', () => {
  const effect = { estimate: 0.3, standardError: 0.1 };

  it('should reject exactly when the confidence sequence excludes zero (p < alpha ⇔ 0 ∉ CS)', () => {
    for (const estimate of [0, 0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.6, -0.3, -0.45]) {
      for (const n of [100, 1000, 5000, 50000]) {
        const r = sequentialTest({ estimate, standardError: 0.1 }, n, 0.05, 5000);
        const excludesZero = r.csLower > 0 || r.csUpper < 0;
        expect(r.pValue < 0.05).toBe(excludesZero);
      }
    }
  });

  it('should be tightest near n = N* for a fixed per-person variance', () => {
    const sigma = 2;
    const width = (n: number, tuning: number) => {
      const r = sequentialTest({ estimate: 0, standardError: sigma / Math.sqrt(n) }, n, 0.05, tuning);
      return (r.csUpper - r.csLower) * Math.sqrt(n);
    };
    expect(width(5000, 5000)).toBeLessThan(width(5000, 500));
    expect(width(5000, 5000)).toBeLessThan(width(5000, 50000));
  });

  it('should always be wider than the fixed-horizon normal interval', () => {
    for (const n of [10, 1000, 5000, 1e6, 1e9]) {
      const r = sequentialTest(effect, n, 0.05, 5000);
      expect(r.csUpper - effect.estimate).toBeGreaterThan(1.959963984540054 * effect.standardError);
    }
  });

  it('should give p = 0, not NaN, when the evidence overflows', () => {
    const r = sequentialTest({ estimate: 1, standardError: 1e-200 }, 1e6, 0.05, 5000);
    expect(r.pValue).toBe(0);
  });

  it('should compute rho from alpha and N* as GrowthBook does', () => {
    const alpha = 0.05;
    expectClose(sequentialRho(alpha, 5000) ** 2 * 5000, -2 * Math.log(alpha) + Math.log(-2 * Math.log(alpha) + 1), { rel: 1e-14 }, 'ρ²N*');
  });
});

describe('sequential > running minimum', () => {
  it('should never increase and should ignore missing values', () => {
    expect(runningMinimum(undefined, 0.4)).toBe(0.4);
    expect(runningMinimum(0.4, 0.6)).toBe(0.4);
    expect(runningMinimum(0.4, 0.1)).toBe(0.1);
    expect(runningMinimum(0.4, null)).toBe(0.4);
    expect(runningMinimum(null, null)).toBeNull();
  });
});

describe('sequential > one-sided (half-normal mixture) p-value', () => {
  it.each(oneSidedSequentialFixtures().map((c) => [`z=${c.z} n=${c.n} alpha=${c.alpha}`, c] as const))(
    'should match the mixture integrated by scipy.integrate.quad for %s',
    (_name, c) => {
      const p = oneSidedSequentialPValue({ estimate: c.z * 0.01, standardError: 0.01 }, c.n, c.alpha, c.tuning, 'increase');
      expectClose(p, c.p_value, { rel: 1e-9 }, 'one-sided p-value');
    },
  );

  it('should test the given direction only, between half the two-sided p-value and the two-sided p-value there', () => {
    for (const z of [2.5, 3, 4, 6]) {
      const up = { estimate: z, standardError: 1 };
      const twoSided = sequentialTest(up, 5000, 0.05, 5000).pValue;
      const oneSided = oneSidedSequentialPValue(up, 5000, 0.05, 5000, 'increase');
      expect(oneSided).toBeGreaterThanOrEqual(twoSided / 2);
      expect(oneSided).toBeLessThan(twoSided);
      expect(oneSidedSequentialPValue(up, 5000, 0.05, 5000, 'decrease')).toBe(1);
      expect(oneSidedSequentialPValue({ estimate: -z, standardError: 1 }, 5000, 0.05, 5000, 'decrease')).toBeCloseTo(
        oneSidedSequentialPValue(up, 5000, 0.05, 5000, 'increase'),
        15,
      );
    }
  });
});

describe('sequential > running intersection of confidence sequences', () => {
  it('should intersect, and start from the current interval', () => {
    expect(intersectConfidenceSequences(null, { lower: -1, upper: 2 })).toEqual({ interval: { lower: -1, upper: 2 }, conflict: false });
    expect(intersectConfidenceSequences({ lower: -1, upper: 2 }, { lower: 0.5, upper: 3 })).toEqual({ interval: { lower: 0.5, upper: 2 }, conflict: false });
    expect(intersectConfidenceSequences({ lower: 0.5, upper: 2 }, null)).toEqual({ interval: { lower: 0.5, upper: 2 }, conflict: false });
  });

  it('should keep the side that excludes 0 when the current interval is disjoint (the running one if both do)', () => {
    expect(intersectConfidenceSequences({ lower: 0.1, upper: 0.5 }, { lower: -0.4, upper: 0.05 })).toEqual({ interval: { lower: 0.1, upper: 0.5 }, conflict: true });
    expect(intersectConfidenceSequences({ lower: 0.1, upper: 0.5 }, { lower: -0.4, upper: -0.2 })).toEqual({ interval: { lower: 0.1, upper: 0.5 }, conflict: true });
    expect(intersectConfidenceSequences({ lower: -0.3, upper: 0.05 }, { lower: 0.1, upper: 0.5 })).toEqual({ interval: { lower: 0.1, upper: 0.5 }, conflict: true });
  });

  it('should read the side only from an interval that excludes 0', () => {
    expect(sideOf({ lower: 0.1, upper: 0.2 })).toBe('increase');
    expect(sideOf({ lower: -0.2, upper: -0.1 })).toBe('decrease');
    expect(sideOf({ lower: 0, upper: 0.2 })).toBeNull();
    expect(sideOf(null)).toBeNull();
  });
});

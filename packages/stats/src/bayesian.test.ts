import { expectClose } from '../test/helpers/close';
import { arms, defined } from '../test/helpers/arms';
import { bayesianFixtures, growthbookFixtures } from '../test/helpers/fixtures';
import { bayesianTest } from './bayesian';

const growthbook = growthbookFixtures();
const GB_ABS = 10 ** -growthbook.decimals;

describe('bayesian > chance to beat control and risk against SciPy', () => {
  it.each(bayesianFixtures().map((c) => [`N(${c.mean}, ${c.sd}²)`, c] as const))('should match %s', (_name, c) => {
    const r = bayesianTest({ estimate: c.mean, standardError: c.sd }, false);
    expectClose(r.chanceToBeatControl, c.chance_to_win, { rel: 1e-12, abs: 1e-300 }, 'chance to win');
    // The references come from numerical integration (quad, epsrel 1e-12).
    expectClose(r.riskControl, c.risk_control, { rel: 1e-9, abs: 1e-14 }, 'risk of control');
    expectClose(r.riskVariant, c.risk_variant, { rel: 1e-9, abs: 1e-14 }, 'risk of variant');
  });
});

describe('bayesian > against GrowthBook gbstats (relative effect, flat prior)', () => {
  it.each(growthbook.bayesian.map((c) => [c.name, c] as const))('should match %s', (_name, c) => {
    const a = arms(c.metricType, c.control, c.variant);
    const effect = defined(a.relative, 'relative effect');
    const r = bayesianTest(effect, c.inverse);
    expectClose(effect.estimate, c.expected.estimate, { abs: GB_ABS }, 'estimate');
    if (c.expected.std_error !== null) expectClose(effect.standardError, c.expected.std_error, { abs: GB_ABS }, 'standard error');
    expectClose(r.chanceToBeatControl, c.expected.chance_to_win, { abs: GB_ABS }, 'chance to win');
    expectClose(r.riskControl, c.expected.risk_control, { abs: GB_ABS }, 'risk of control');
    expectClose(r.riskVariant, c.expected.risk_variant, { abs: GB_ABS }, 'risk of variant');
  });
});

describe('bayesian > edge cases', () => {
  it('should keep risks non-negative and finite for extreme posteriors', () => {
    for (const estimate of [-1e6, -50, -1e-12, 0, 1e-12, 50, 1e6]) {
      const r = bayesianTest({ estimate, standardError: 1 }, false);
      expect(r.riskControl).toBeGreaterThanOrEqual(0);
      expect(r.riskVariant).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(r.riskControl + r.riskVariant + r.chanceToBeatControl)).toBe(true);
      // E[max(θ,0)] - E[max(-θ,0)] = E[θ]
      expectClose(r.riskControl - r.riskVariant, estimate, { rel: 1e-12, abs: 1e-12 }, `risk identity at ${estimate}`);
    }
  });
});

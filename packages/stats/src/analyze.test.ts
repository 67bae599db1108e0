import { conv } from '../test/helpers/experiments';
import { growthbookFixtures } from '../test/helpers/fixtures';
import { analyzeExperiment } from './analyze';
import { adjustPValues } from './corrections';
import { StatsInputError } from './errors';
import type { ExperimentConfig, ExperimentInput } from './types';

const DAY = 86_400_000;

const config: ExperimentConfig = {
  experimentId: 'checkout-button',
  variants: [
    { id: 'control', weight: 1 },
    { id: 'green', weight: 1 },
  ],
  controlVariantId: 'control',
  metrics: [
    { id: 'purchase', type: 'conversion' },
    { id: 'revenue', type: 'value' },
  ],
  startTime: 0,
  minRuntimeMs: DAY,
  minPersonsPerVariant: 100,
};


function input(stats: ExperimentInput['stats'], patch: Partial<ExperimentConfig> = {}, now = 2 * DAY): ExperimentInput {
  return { config: { ...config, ...patch }, stats, now };
}

/** Every number anywhere in the record is finite (no NaN/Infinity), and the record survives JSON. */
function expectFiniteEverywhere(value: unknown, path = 'results'): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${path} is ${value}`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => expectFiniteEverywhere(v, `${path}[${i}]`));
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) expectFiniteEverywhere(v, `${path}.${k}`);
  }
}

describe('analyzeExperiment > results record', () => {
  const results = analyzeExperiment(
    input({
      control: { purchase: conv(5000, 500), revenue: { n: 5000, sum: 25_000, sumSquares: 400_000 } },
      green: { purchase: conv(5000, 650), revenue: { n: 5000, sum: 26_000, sumSquares: 420_000 } },
    }),
  );

  it('should carry one comparison per non-control variant and metric, with snake_case fields', () => {
    expect(results.comparisons.map((c) => [c.variant_id, c.metric_id])).toEqual([
      ['green', 'purchase'],
      ['green', 'revenue'],
    ]);
    const purchase = results.comparisons[0];
    expect(purchase.control.n).toBe(5000);
    expect(purchase.control.mean).toBe(0.1);
    expect(purchase.control.std_dev).toBeCloseTo(0.3, 15);
    expect(purchase.absolute_difference.estimate).toBeCloseTo(0.03, 14);
    expect(purchase.relative_lift.estimate).toBeCloseTo(0.3, 14);
    expect(purchase.fixed_horizon_p_value).toBeLessThan(0.001);
    expect(purchase.sequential_p_value).toBeGreaterThan(purchase.fixed_horizon_p_value ?? 1);
    expect(purchase.chance_to_beat_control).toBeGreaterThan(0.99);
    expect(JSON.parse(JSON.stringify(results))).toEqual(results);
  });

  it('should nest the fixed-horizon interval inside the confidence sequence', () => {
    for (const c of results.comparisons) {
      for (const e of [c.absolute_difference, c.relative_lift]) {
        expect(e.cs_lower).toBeLessThan(e.ci_lower ?? -Infinity);
        expect(e.cs_upper).toBeGreaterThan(e.ci_upper ?? Infinity);
      }
    }
  });

  it('should adjust the running minima across the whole family', () => {
    const expected = adjustPValues(results.comparisons.map((c) => c.sequential_p_value_running_min), 'holm');
    expect(results.comparisons.map((c) => c.sequential_p_value_adjusted)).toEqual(expected);
  });

  it('should name the winning variant and metric when significant', () => {
    expect(results.status).toBe('significant');
    expect(results.significant_result).toMatchObject({ variant_id: 'green', metric_id: 'purchase', outcome: 'winner', direction: 'increase' });
    expect(results.status_reason).toMatch(/variant green is the winner on metric purchase/);
  });
});

describe('analyzeExperiment > status', () => {
  const strong = {
    control: { purchase: conv(5000, 500) },
    green: { purchase: conv(5000, 700) },
  };

  it('should keep collecting before the minimum runtime', () => {
    const r = analyzeExperiment(input(strong, {}, DAY / 2));
    expect(r.status).toBe('collecting');
    expect(r.status_reason).toMatch(/minimum runtime not reached/);
    expect(r.significant_result).toBeNull();
  });

  it('should keep collecting below the minimum persons per variant', () => {
    const r = analyzeExperiment(input(strong, { minPersonsPerVariant: 10_000 }));
    expect(r.status).toBe('collecting');
    expect(r.status_reason).toMatch(/minimum persons per variant \(10000\) not reached: control has 5000, green has 5000/);
  });

  it('should call a decrease on an inverse metric a win', () => {
    const r = analyzeExperiment(
      input(
        { control: { bounce: conv(5000, 2500) }, green: { bounce: conv(5000, 2100) } },
        { metrics: [{ id: 'bounce', type: 'conversion', inverse: true }] },
      ),
    );
    expect(r.significant_result).toMatchObject({ metric_id: 'bounce', outcome: 'winner', direction: 'decrease' });
    expect(r.comparisons[0].chance_to_beat_control).toBeGreaterThan(0.99);
  });

  it('should call a significant drop a loss', () => {
    const r = analyzeExperiment(input({ control: { purchase: conv(5000, 700) }, green: { purchase: conv(5000, 500) } }));
    expect(r.significant_result).toMatchObject({ outcome: 'loser', direction: 'decrease' });
  });

  it('should flag a sample-ratio mismatch and report invalid_srm', () => {
    const r = analyzeExperiment(input({ control: { purchase: conv(5000, 500) }, green: { purchase: conv(4500, 700) } }));
    expect(r.srm.flagged).toBe(true);
    expect(r.srm.p_value).toBeLessThan(0.001);
    expect(r.status).toBe('invalid_srm');
    expect(r.significant_result).toBeNull();
  });

  it('should keep a sample-ratio mismatch flagged once detected, given the previous results', () => {
    const flagged = analyzeExperiment(input({ control: { purchase: conv(5000, 500) }, green: { purchase: conv(4500, 700) } }));
    const balancedAgain = input({ control: { purchase: conv(10_000, 1000) }, green: { purchase: conv(9950, 1300) } });
    expect(analyzeExperiment(balancedAgain).srm.flagged).toBe(false);
    const sticky = analyzeExperiment(balancedAgain, flagged);
    expect(sticky.srm.flagged).toBe(true);
    expect(sticky.srm.p_value).toBeGreaterThan(0.001);
    expect(sticky.status).toBe('invalid_srm');
    expect(sticky.status_reason).toMatch(/a running minimum, so the flag is permanent; chi-square p-value now 0.72/);
  });

  it('should not check SRM until every variant has the minimum persons', () => {
    const r = analyzeExperiment(input({ control: { purchase: conv(7, 0) }, green: { purchase: conv(1, 0) } }));
    expect(r.srm.checked).toBe(false);
    expect(r.srm.flagged).toBe(false);
  });

  it('should weigh SRM by the configured allocation', () => {
    const r = analyzeExperiment(
      input(
        { control: { purchase: conv(2000, 200) }, green: { purchase: conv(6000, 600) } },
        { variants: [{ id: 'control', weight: 25 }, { id: 'green', weight: 75 }] },
      ),
    );
    expect(r.srm.p_value).toBe(1);
    expect(r.srm.variants).toEqual([
      { variant_id: 'control', persons: 2000, expected_persons: 2000 },
      { variant_id: 'green', persons: 6000, expected_persons: 6000 },
    ]);
  });

  it('should report no significance when nothing is significant', () => {
    const r = analyzeExperiment(input({ control: { purchase: conv(5000, 500) }, green: { purchase: conv(5000, 510) } }));
    expect(r.status).toBe('collecting');
    expect(r.status_reason).toMatch(/no primary comparison significant at alpha 0.05 after holm correction/);
  });
});

describe('analyzeExperiment > running minimum across updates', () => {
  it('should carry the sequential running minimum and keep significance once reached', () => {
    const first = analyzeExperiment(input({ control: { purchase: conv(5000, 500) }, green: { purchase: conv(5000, 650) } }));
    expect(first.status).toBe('significant');
    const second = analyzeExperiment(input({ control: { purchase: conv(6000, 640) }, green: { purchase: conv(6000, 650) } }), first);
    expect(second.comparisons[0].sequential_p_value).toBeGreaterThan(0.05);
    expect(second.comparisons[0].sequential_p_value_running_min).toBe(first.comparisons[0].sequential_p_value_running_min);
    expect(second.status).toBe('significant');
  });

  it('should not let p-values enter the running minimum before the minimum persons', () => {
    const r = analyzeExperiment(input({ control: { purchase: conv(50, 1) }, green: { purchase: conv(50, 30) } }));
    expect(r.comparisons[0].sequential_p_value).toBeLessThan(0.05);
    expect(r.comparisons[0].sequential_p_value_running_min).toBeNull();
    expect(r.comparisons[0].sequential_significant).toBe(false);
  });

  it('should refuse the previous results of another experiment', () => {
    const other = analyzeExperiment(input({}, { experimentId: 'other' }));
    expect(() => analyzeExperiment(input({}), other)).toThrow(/previous.experiment_id: got "other", expected the previous results of "checkout-button"/);
  });
});

describe('analyzeExperiment > numerical edge cases', () => {
  it.each([
    ['no data at all', {}],
    ['zero conversions everywhere', { control: { purchase: conv(1000, 0) }, green: { purchase: conv(1000, 0) } }],
    ['zero conversions in the control', { control: { purchase: conv(1000, 0) }, green: { purchase: conv(1000, 5) } }],
    ['everyone converted', { control: { purchase: conv(1000, 1000) }, green: { purchase: conv(1000, 1000) } }],
    ['one person per arm', { control: { purchase: conv(1, 1), revenue: { n: 1, sum: 5, sumSquares: 25 } }, green: { purchase: conv(1, 0) } }],
    ['extreme rates at huge samples', { control: { purchase: conv(1e9, 1) }, green: { purchase: conv(1e9, 50) } }],
    ['huge revenue values', { control: { revenue: { n: 3, sum: 3e150, sumSquares: 3e300 } }, green: { revenue: { n: 3, sum: 3e150, sumSquares: 3.0000001e300 } } }],
    ['a constant value metric', { control: { revenue: { n: 100, sum: 500, sumSquares: 2500 } }, green: { revenue: { n: 100, sum: 600, sumSquares: 3600 } } }],
    ['negative revenue (refunds)', { control: { revenue: { n: 100, sum: -50, sumSquares: 900 } }, green: { revenue: { n: 100, sum: 20, sumSquares: 700 } } }],
  ] as const)('should produce only finite numbers or nulls for %s', (_name, stats) => {
    const r = analyzeExperiment(input(stats));
    expectFiniteEverywhere(r);
    expect(r.comparisons).toHaveLength(2);
  });

  it('should make undefined values explicit nulls', () => {
    const r = analyzeExperiment(input({ control: { purchase: conv(1000, 0) }, green: { purchase: conv(1000, 5) } }));
    const purchase = r.comparisons[0];
    expect(purchase.relative_lift).toEqual({ estimate: null, std_error: null, ci_lower: null, ci_upper: null, cs_lower: null, cs_upper: null });
    expect(purchase.chance_to_beat_control).toBeNull();
    expect(purchase.absolute_difference.estimate).toBeCloseTo(0.005, 15);
    const revenue = r.comparisons[1];
    expect(revenue.control).toEqual({ n: 0, mean: null, std_dev: null });
    expect(revenue.fixed_horizon_p_value).toBeNull();
    expect(revenue.sequential_p_value_adjusted).toBeNull();
  });
});

describe('analyzeExperiment > invalid inputs', () => {
  it.each([
    ['a negative n', { control: { purchase: { n: -3, sum: 0, sumSquares: 0 } } }, /stats\.control\.purchase\.n: got -3/],
    ['inconsistent sums of squares', { green: { revenue: { n: 10, sum: 100, sumSquares: 10 } } }, /stats\.green\.revenue\.sumSquares/],
    ['an unknown variant', { blue: {} }, /stats\.blue: unknown variant, expected one of \["control","green"\]/],
    ['an unknown metric', { green: { clicks: conv(3, 1) } }, /stats\.green\.clicks: unknown metric/],
  ])('should throw a StatsInputError for %s', (_name, stats, message) => {
    expect(() => analyzeExperiment(input(stats))).toThrow(StatsInputError);
    expect(() => analyzeExperiment(input(stats))).toThrow(message);
  });

  it('should throw for an unknown control and non-positive weights', () => {
    expect(() => analyzeExperiment(input({}, { controlVariantId: 'blue' }))).toThrow(/controlVariantId: got "blue"/);
    expect(() => analyzeExperiment(input({}, { variants: [{ id: 'control', weight: 1 }, { id: 'green', weight: 0 }] }))).toThrow(
      /weight: got 0, expected a finite allocation weight > 0/,
    );
  });

  it('should reject GrowthBook\'s "missing variance" input (sumSquares < sum²/n) instead of reporting zeros', () => {
    for (const c of growthbookFixtures().invalidInputs) {
      const stats = { control: { revenue: c.control }, green: { revenue: c.variant } };
      expect(() => analyzeExperiment(input(stats))).toThrow(/Cauchy–Schwarz/);
    }
  });

  it('should carry a literal error name', () => {
    try {
      analyzeExperiment(input({}, { alpha: 2 }));
    } catch (error) {
      expect(error).toBeInstanceOf(StatsInputError);
      expect((error as StatsInputError).name).toBe('StatsInputError');
      expect((error as StatsInputError).field).toBe('config.alpha');
      return;
    }
    throw new Error('expected a StatsInputError');
  });
});

/**
 * analyzeExperiment over successive updates: the carried sequential state
 * (running minima, running intersections of the confidence sequences, the
 * SRM running minimum) and when it restarts.
 */
import { abConfig, conv } from '../test/helpers/experiments';
import { mulberry32 } from '../test/helpers/prng';
import { analyzeExperiment } from './analyze';
import type { ComparisonResult, ExperimentConfig, ExperimentResults, PreviousExperimentResults, SufficientStatistics } from './types';

const config: ExperimentConfig = abConfig('checkout-button');

function update(control: SufficientStatistics, variant: SufficientStatistics, previous: PreviousExperimentResults | null, patch: Partial<ExperimentConfig> = {}) {
  return analyzeExperiment({ config: { ...config, ...patch }, stats: { A: { purchase: control }, B: { purchase: variant } }, now: 1 }, previous);
}

const csOf = (c: ComparisonResult) => ({ lower: c.absolute_difference.cs_lower ?? NaN, upper: c.absolute_difference.cs_upper ?? NaN });
const excludesZero = (c: ComparisonResult) => csOf(c).lower > 0 || csOf(c).upper < 0;

describe('analyzeExperiment > direction from the running intersection (issue #13, item 1)', () => {
  // Update 1: B far ahead. Update 2 (cumulative): B behind, z ≈ -1.8, not significant on its own.
  const first = update(conv(5000, 500), conv(5000, 650), null);
  const second = update(conv(20_000, 2600), conv(20_000, 2480), first);
  const [c1] = first.comparisons;
  const [c2] = second.comparisons;

  it('should name B the winner at update 1', () => {
    expect(first.significant_result).toMatchObject({ variant_id: 'B', outcome: 'winner', direction: 'increase' });
    expect(c1.sequential_p_value_adjusted).toBeLessThan(0.001);
  });

  it('should keep B the winner at update 2 although the cumulative estimate is behind (no flip without new evidence)', () => {
    const z = (c2.absolute_difference.estimate ?? 0) / (c2.absolute_difference.std_error ?? 1);
    expect(z).toBeCloseTo(-1.8, 1);
    expect(second.status).toBe('significant');
    expect(second.significant_result).toMatchObject({ variant_id: 'B', outcome: 'winner', direction: 'increase' });
    expect(c2.direction).toBe('increase');
    expect(c2.verdict).toBe('better');
    expect(c2.sequential_p_value_adjusted).toBe(c1.sequential_p_value_adjusted);
  });

  it('should show a confidence sequence above 0 while significant, and flag the contradicting update', () => {
    expect(csOf(c2).lower).toBeGreaterThan(0);
    expect(csOf(c2)).toEqual(csOf(c1));
    expect(c2.cs_conflict).toBe(true);
    expect(c1.cs_conflict).toBe(false);
  });
});

describe('analyzeExperiment > running intersection properties', () => {
  /**
   * 60 seeded experiments of 40 updates whose true lift drifts (so that
   * conflicting updates happen): at every update the reported sequence
   * excludes 0 exactly when the running minimum is below alpha, it only
   * shrinks, and a significant direction never flips.
   */
  it('should keep p < alpha ⇔ 0 ∉ CS, a shrinking CS and a fixed direction at every update', () => {
    let conflicts = 0;
    let significant = 0;
    for (let e = 0; e < 60; e += 1) {
      const random = mulberry32(4_000 + e);
      const arms = { A: conv(0, 0), B: conv(0, 0) };
      let previous: ExperimentResults | null = null;
      let decided: string | null = null;
      for (let u = 1; u <= 40; u += 1) {
        const rateB = 0.1 + 0.03 * Math.sin((u + e) / 6);
        const add = (s: SufficientStatistics, rate: number): SufficientStatistics => {
          const converted = random.binomial(200, rate);
          return conv(s.n + 200, s.sum + converted);
        };
        arms.A = add(arms.A, 0.1);
        arms.B = add(arms.B, rateB);
        const results: ExperimentResults = update(arms.A, arms.B, previous);
        const c = results.comparisons[0];
        const p = c.sequential_p_value_running_min;
        if (p !== null) expect(excludesZero(c)).toBe(p < 0.05);
        if (previous !== null && previous.comparisons[0].sequential_p_value_running_min !== null) {
          expect(csOf(c).lower).toBeGreaterThanOrEqual(csOf(previous.comparisons[0]).lower);
          expect(csOf(c).upper).toBeLessThanOrEqual(csOf(previous.comparisons[0]).upper);
        }
        if (decided !== null) expect(c.direction).toBe(decided);
        if (c.sequential_significant) decided ??= c.direction;
        previous = results;
      }
      if (previous?.comparisons[0].cs_conflict === true) conflicts += 1;
      if (decided !== null) significant += 1;
    }
    // The scenario must exercise both paths for the test to mean anything.
    expect(conflicts).toBeGreaterThan(0);
    expect(significant).toBeGreaterThan(0);
  });
});

describe('analyzeExperiment > restarting the sequential state', () => {
  const first = update(conv(5000, 500), conv(5000, 650), null);

  it('should carry the state when nothing changed, and say nothing', () => {
    const second = update(conv(6000, 600), conv(6000, 700), first);
    expect(second.sequential_restart_reason).toBeNull();
    expect(second.comparisons[0].sequential_p_value_running_min).toBe(first.comparisons[0].sequential_p_value_running_min);
  });

  it('should restart the running minima and intersections when alpha or N* change, and say so', () => {
    const restarted = update(conv(20_000, 2600), conv(20_000, 2480), first, { alpha: 0.01, sequentialTuningParameter: 20_000 });
    const alone = update(conv(20_000, 2600), conv(20_000, 2480), null, { alpha: 0.01, sequentialTuningParameter: 20_000 });
    expect(restarted.sequential_restart_reason).toBe(
      'alpha changed from 0.05 to 0.01, sequential tuning parameter changed from 5000 to 20000: running minima and confidence-sequence intersections restarted',
    );
    expect(restarted.comparisons).toEqual(alone.comparisons);
    expect(restarted.status).toBe('collecting');
  });

  it('should restart the SRM running minimum when the weights change', () => {
    const skewed = update(conv(5000, 500), conv(4500, 650), null);
    expect(skewed.srm.flagged).toBe(true);
    const reweighted = update(conv(10_000, 1000), conv(9000, 1300), skewed, { variants: [{ id: 'A', weight: 10 }, { id: 'B', weight: 9 }] });
    expect(reweighted.srm.flagged).toBe(false);
    expect(reweighted.sequential_restart_reason).toBe('allocation weights changed: the SRM sequential p-value restarted');
  });

  it('should read records written before the intersection existed (no new fields) as a valid starting point', () => {
    const { cs_conflict: _c, metric_role: _r, verdict: _v, guardrail_p_value: _g, guardrail_p_value_running_min: _m, guardrail_p_value_adjusted: _a, cuped: _cu, ...legacy } = first.comparisons[0];
    const { guardrail_alpha: _ga, guardrail_failures: _gf, sequential_restart_reason: _sr, ...legacyResults } = first;
    const old: PreviousExperimentResults = { ...legacyResults, comparisons: [legacy] };
    expect(update(conv(6000, 600), conv(6000, 700), old).comparisons).toEqual(update(conv(6000, 600), conv(6000, 700), first).comparisons);
  });
});

describe('analyzeExperiment > switching CUPED restarts the metric', () => {
  /** `converted` of n persons after exposure, `before` of them (and `both` of those) converted before it too. */
  const withPre = (n: number, converted: number, before: number, both: number): SufficientStatistics => ({ ...conv(n, converted), cuped: { sumX: before, sumXSquares: before, sumXY: both } });
  const cuped = { metrics: [{ id: 'purchase', type: 'conversion', cuped: true }] } satisfies Partial<ExperimentConfig>;
  const later = [withPre(20_000, 2600, 4000, 1500), withPre(20_000, 2480, 4000, 1400)] as const;
  const raw = update(withPre(5000, 500, 1000, 300), withPre(5000, 650, 1000, 380), null);
  const adjusted = update(withPre(5000, 500, 1000, 300), withPre(5000, 650, 1000, 380), null, cuped);

  it('should start monitoring in both runs (the state that must not be carried across estimators)', () => {
    expect([raw.comparisons[0].sequential_p_value_running_min, adjusted.comparisons[0].sequential_p_value_running_min]).not.toContain(null);
    expect(raw.comparisons[0].cuped).toBeNull();
    expect(adjusted.comparisons[0].cuped).not.toBeNull();
  });

  it('should restart when CUPED is switched on, and say so', () => {
    const switched = update(...later, raw, cuped);
    expect(switched.sequential_restart_reason).toBe('CUPED switched on for purchase: its running minima and confidence-sequence intersections restarted');
    expect(switched.comparisons).toEqual(update(...later, null, cuped).comparisons);
  });

  it('should restart when CUPED is switched off, and say so', () => {
    const switched = update(...later, adjusted);
    expect(switched.sequential_restart_reason).toBe('CUPED switched off for purchase: its running minima and confidence-sequence intersections restarted');
    expect(switched.comparisons).toEqual(update(...later, null).comparisons);
  });

  it('should carry the state while CUPED stays on', () => {
    const kept = update(...later, adjusted, cuped);
    expect(kept.sequential_restart_reason).toBeNull();
    expect(kept.comparisons[0].sequential_p_value_running_min).toBeLessThanOrEqual(adjusted.comparisons[0].sequential_p_value_running_min ?? NaN);
    expect(kept.comparisons).not.toEqual(update(...later, null, cuped).comparisons);
  });

  it('should read a record written before CUPED existed (no cuped field) as one without CUPED', () => {
    const { cuped: _cuped, ...legacy } = raw.comparisons[0];
    const old: PreviousExperimentResults = { ...raw, comparisons: [legacy] };
    expect(update(...later, old)).toEqual(update(...later, raw));
    expect(update(...later, old, cuped).sequential_restart_reason).toMatch(/^CUPED switched on for purchase/);
  });
});

describe('analyzeExperiment > anytime-valid SRM (issue #13, item 3)', () => {
  it('should not flag a split whose single-look chi-square p is below the threshold but whose sequential p is not', () => {
    const r = update(conv(10_000, 1000), conv(10_510, 1000), null);
    expect(r.srm.p_value).toBeLessThan(0.001);
    expect(r.srm.sequential_p_value).toBeGreaterThan(0.01);
    expect(r.srm.flagged).toBe(false);
    expect(r.status).not.toBe('invalid_srm');
  });

  it('should keep the sequential SRM p-value as a running minimum', () => {
    const flagged = update(conv(5000, 500), conv(4500, 650), null);
    const later = update(conv(10_000, 1000), conv(9950, 1300), flagged);
    expect(flagged.srm.sequential_p_value).toBeLessThan(0.001);
    expect(later.srm.sequential_p_value).toBe(flagged.srm.sequential_p_value);
    expect(later.srm.flagged).toBe(true);
  });
});

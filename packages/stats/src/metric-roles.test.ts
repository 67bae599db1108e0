/**
 * Primary, secondary and guardrail metrics (issue #13, item 2), through
 * analyzeExperiment.
 */
import { conv } from '../test/helpers/experiments';
import { analyzeExperiment } from './analyze';
import { adjustPValues } from './corrections';
import type { ExperimentConfig, ExperimentInput, MetricConfig } from './types';

const N = 100_000;

const metrics: MetricConfig[] = [
  { id: 'purchase', type: 'conversion', role: 'primary' },
  { id: 'signup', type: 'conversion', role: 'primary' },
  { id: 'newsletter', type: 'conversion', role: 'secondary' },
  { id: 'share', type: 'conversion', role: 'secondary' },
  { id: 'checkout_errors', type: 'conversion', role: 'guardrail', inverse: true },
  { id: 'retention', type: 'conversion', role: 'guardrail' },
];

const config: ExperimentConfig = {
  experimentId: 'checkout',
  variants: [
    { id: 'A', weight: 1 },
    { id: 'B', weight: 1 },
    { id: 'C', weight: 1 },
  ],
  controlVariantId: 'A',
  metrics,
  startTime: 0,
};

/** Converted persons per variant and metric, N persons per variant. */
type Rates = Record<string, Record<string, number>>;

/** N persons per variant; only the configured metrics' statistics. */
function input(converted: Rates, patch: Partial<ExperimentConfig> = {}, persons = N): ExperimentInput {
  const configured = { ...config, ...patch };
  const ids = new Set(configured.metrics.map((m) => m.id));
  const stats = Object.fromEntries(
    Object.entries(converted).map(([variant, byMetric]) => [
      variant,
      Object.fromEntries(Object.entries(byMetric).filter(([m]) => ids.has(m)).map(([m, c]) => [m, conv(persons, c)])),
    ]),
  );
  return { config: configured, stats, now: 1 };
}

const neutral = { purchase: 10_000, signup: 20_000, newsletter: 5000, share: 3000, checkout_errors: 4000, retention: 40_000 };

const find = (r: ReturnType<typeof analyzeExperiment>, variant: string, metric: string) => {
  const c = r.comparisons.find((x) => x.variant_id === variant && x.metric_id === metric);
  if (c === undefined) throw new Error(`no comparison ${variant}/${metric}`);
  return c;
};

describe('metric roles > primary metrics decide the status', () => {
  const r = analyzeExperiment(input({ A: neutral, B: { ...neutral, purchase: 11_000 }, C: { ...neutral, newsletter: 4000 } }));

  it('should name the primary winner and give every comparison its role and verdict', () => {
    expect(r.status).toBe('significant');
    expect(r.significant_result).toMatchObject({ variant_id: 'B', metric_id: 'purchase', outcome: 'winner' });
    expect(find(r, 'B', 'purchase')).toMatchObject({ metric_role: 'primary', verdict: 'better' });
    expect(find(r, 'B', 'signup')).toMatchObject({ metric_role: 'primary', verdict: 'inconclusive' });
  });

  it('should show a secondary loss as a verdict that does not set the status', () => {
    expect(find(r, 'C', 'newsletter')).toMatchObject({ metric_role: 'secondary', verdict: 'worse', sequential_significant: true });
    const secondaryOnly = analyzeExperiment(input({ A: neutral, B: neutral, C: { ...neutral, newsletter: 4000 } }));
    expect(secondaryOnly.status).toBe('collecting');
    expect(find(secondaryOnly, 'C', 'newsletter').verdict).toBe('worse');
  });

  it('should adjust with Holm over primary metrics × variants only, and give secondaries Benjamini–Hochberg q-values', () => {
    const family = (role: string) => r.comparisons.filter((c) => c.metric_role === role);
    expect(family('primary').map((c) => c.sequential_p_value_adjusted)).toEqual(
      adjustPValues(family('primary').map((c) => c.sequential_p_value_running_min), 'holm'),
    );
    expect(family('secondary').map((c) => c.sequential_p_value_adjusted)).toEqual(
      adjustPValues(family('secondary').map((c) => c.sequential_p_value_running_min), 'bh'),
    );
    const primariesAlone = analyzeExperiment(
      input({ A: neutral, B: { ...neutral, purchase: 11_000 }, C: neutral }, { metrics: metrics.filter((m) => m.role === 'primary') }),
    );
    expect(find(primariesAlone, 'B', 'purchase').sequential_p_value_adjusted).toBe(find(r, 'B', 'purchase').sequential_p_value_adjusted);
  });

  it('should treat metrics without a role as primary, as before roles existed', () => {
    const unroled = analyzeExperiment(input({ A: neutral, B: { ...neutral, newsletter: 4000 }, C: neutral }, { metrics: metrics.map(({ role: _r, ...m }) => m) }));
    expect(unroled.comparisons.every((c) => c.metric_role === 'primary')).toBe(true);
    expect(unroled.significant_result).toMatchObject({ variant_id: 'B', metric_id: 'newsletter', outcome: 'loser' });
  });
});

describe('metric roles > guardrails', () => {
  it('should fail on a regression, override the winner and name the metric and variant', () => {
    const r = analyzeExperiment(input({ A: neutral, B: { ...neutral, purchase: 11_000, checkout_errors: 4480 }, C: neutral }));
    expect(find(r, 'B', 'purchase').verdict).toBe('better');
    expect(find(r, 'B', 'checkout_errors')).toMatchObject({ metric_role: 'guardrail', verdict: 'worse', sequential_p_value_adjusted: null });
    expect(r.status).toBe('guardrail_failed');
    expect(r.significant_result).toBeNull();
    expect(r.status_reason).toMatch(/^Guardrail failed: checkout_errors \+12% in B \(one-sided sequential test, Holm-adjusted p < 0.05\)$/);
    expect(r.guardrail_failures).toEqual([
      expect.objectContaining({ variant_id: 'B', metric_id: 'checkout_errors', summary: 'checkout_errors +12% in B', relative_change: expect.closeTo(0.12, 12) }),
    ]);
  });

  it('should not fail on a change in the good direction (one-sided), for normal and inverse metrics', () => {
    const r = analyzeExperiment(input({ A: neutral, B: { ...neutral, checkout_errors: 3000, retention: 43_000 }, C: neutral }));
    expect(r.guardrail_failures).toEqual([]);
    expect(find(r, 'B', 'checkout_errors').guardrail_p_value_running_min).toBe(1);
    expect(find(r, 'B', 'retention').verdict).toBe('inconclusive');
  });

  it('should detect a regression of a normal metric as a decrease, at its own alpha', () => {
    const drop = input({ A: neutral, B: neutral, C: { ...neutral, retention: 38_000 } });
    const r = analyzeExperiment(drop);
    expect(r.guardrail_failures?.map((f) => f.summary)).toEqual(['retention -5% in C']);
    const p = find(r, 'C', 'retention').guardrail_p_value_adjusted ?? 1;
    const strict = analyzeExperiment({ ...drop, config: { ...drop.config, guardrailAlpha: p / 2 } });
    expect(strict.status).toBe('collecting');
  });

  it('should keep a failure once reached, and say when the estimate has since moved back', () => {
    const failed = analyzeExperiment(input({ A: neutral, B: { ...neutral, checkout_errors: 4480 }, C: neutral }));
    const fourTimes = (rates: Record<string, number>) => Object.fromEntries(Object.entries(rates).map(([m, c]) => [m, 4 * c]));
    const back = { A: fourTimes(neutral), B: { ...fourTimes(neutral), checkout_errors: 15_900 }, C: fourTimes(neutral) };
    const later = analyzeExperiment(input(back, {}, 4 * N), failed);
    expect(later.status).toBe('guardrail_failed');
    expect(later.guardrail_failures?.[0].summary).toBe('checkout_errors regressed in B at an earlier update (now -0.63%)');
  });
});

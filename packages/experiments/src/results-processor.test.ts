import { DefinitionsCatalog } from '@abtest/definitions';
import { emptyDelta, type ExperimentDelta } from './delta';
import type { BreakdownResults, ExperimentResults, SeriesResults } from '@abtest/results-contract';
import { FIRST_GENERATION, type Publication } from './publication';
import { BREAKDOWNS_SINK, BREAKDOWNS_STORE, RESULTS_SINK, RESULTS_STORE, ResultsProcessor, SERIES_SINK, SERIES_STORE } from './results-processor';
import { ProcessorDriver } from './testing/processor-driver';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 26, 10);

function catalog(): DefinitionsCatalog {
  const definitions = new DefinitionsCatalog();
  definitions.apply('metric|signup', JSON.stringify({ id: 'signup', type: 'conversion', event: 'Signed Up', scope: 'global' }));
  return definitions;
}

/** n persons in `variant`, `converted` of them converted, all in one breakdown value and hour. */
function delta(variant: string, n: number, converted: number, os = 'iOS', experimentId = 'exp'): ExperimentDelta {
  const d = emptyDelta(experimentId, 'Checkout');
  const metrics = { signup: { persons_converted: converted, event_count: converted, sum: converted, sum_squares: converted } };
  d.started_at = T0;
  d.metric_types.signup = 'conversion';
  d.variants[variant] = { variant_name: variant, unique_views: n, total_views: n, unique_clicks: 0, total_clicks: 0, persons: n, metrics };
  d.breakdowns[`context.os.name\u0000${os}\u0000${variant}`] = { persons: n, metrics };
  d.series[`${T0 + HOUR}\u0000${variant}`] = { persons: n, metrics: { signup: { persons_converted: converted, event_count: converted, sum: converted } } };
  return d;
}

const driver = (definitions = catalog(), maxBreakdownValues = 20, from?: ProcessorDriver<ExperimentDelta>, publication: Publication = FIRST_GENERATION) =>
  new ProcessorDriver(new ResultsProcessor({ definitions, maxBreakdownValues, punctuateIntervalMs: 1_000, publication }), [RESULTS_STORE, BREAKDOWNS_STORE, SERIES_STORE], from);

describe('ResultsProcessor', () => {
  it('publishes metric figures with rates and means, and the statistics once two variants have persons', () => {
    const definitions = catalog();
    // A global metric is a guardrail unless the experiment names it: here it decides.
    definitions.apply('experiment|exp', JSON.stringify({ id: 'exp', variants: [{ id: 'control' }, { id: 'treatment' }], primary_metrics: ['signup'] }));
    const results = driver(definitions);
    const first = results.pipe('exp', delta('control', 1000, 100), T0).find((o) => o.child === RESULTS_SINK)?.value as ExperimentResults;
    expect(first.analysis?.status_reason).toMatch(/minimum persons per variant \(100\) not reached: treatment has 0/);
    expect(first.status).toBe('collecting');
    expect(first.variants[0]?.metrics[0]).toMatchObject({ metric_id: 'signup', persons_converted: 100, conversion_rate: 0.1, mean: 0.1 });
    const second = results.pipe('exp', delta('treatment', 1000, 200), T0 + 1).find((o) => o.child === RESULTS_SINK)?.value as ExperimentResults;
    expect(second.version).toBe(2);
    expect(second.control_variant_id).toBe('control');
    expect(second.analysis?.comparisons[0]).toMatchObject({ variant_id: 'treatment', metric_id: 'signup', sequential_significant: true });
    expect(second.status).toBe('significant');
  });

  it('publishes the CUPED sums of a CUPED metric and the adjusted comparison they give, with the variance removed', () => {
    const definitions = catalog();
    definitions.apply('metric|revenue', JSON.stringify({ id: 'revenue', type: 'value', event: 'Order Completed', value_path: 'properties.revenue', scope: 'global', cuped: { window: '7d' } }));
    definitions.apply('experiment|exp', JSON.stringify({ id: 'exp', variants: [{ id: 'control' }, { id: 'treatment' }], primary_metrics: ['revenue'] }));
    // Y = X + noise per person: X of 500 persons per variant 0..9 (sum 2250, squares 14250); Σ Y = Σ X + 500·shift, Σ XY ≈ Σ X² + shift·Σ X.
    const revenueDelta = (variant: string, shift: number): ExperimentDelta => {
      const d = delta(variant, 500, 50);
      d.metric_types.revenue = 'value';
      const sumY = 2250 + 500 * shift;
      (d.variants[variant] as ExperimentDelta['variants'][string]).metrics.revenue = { persons_converted: 500, event_count: 500, sum: sumY, sum_squares: 14250 + 2 * shift * 2250 + 500 * shift * shift + 500, cuped: { sum_x: 2250, sum_x_squares: 14250, sum_xy: 14250 + shift * 2250 } };
      return d;
    };
    const results = driver(definitions);
    results.pipe('exp', revenueDelta('control', 0), T0);
    const record = results.pipe('exp', revenueDelta('treatment', 0.2), T0 + 1).find((o) => o.child === RESULTS_SINK)?.value as ExperimentResults;
    expect(record.variants.find((v) => v.variant_id === 'treatment')?.metrics.find((m) => m.metric_id === 'revenue')?.cuped).toEqual({ sum_x: 2250, sum_x_squares: 14250, sum_xy: 14250 + 0.2 * 2250 });
    expect(record.variants[0]?.metrics.find((m) => m.metric_id === 'signup')?.cuped).toBeNull();
    const comparison = record.analysis?.comparisons.find((c) => c.metric_id === 'revenue');
    // Var(Y) = Var(X) + 1 per person: the covariate removes most of it.
    expect(comparison?.cuped?.variance_reduction).toBeGreaterThan(0.8);
    expect(comparison?.cuped?.theta).toBeCloseTo(1, 6);
    expect(comparison?.absolute_difference.estimate).toBeCloseTo(0.2, 9);
    expect(record.analysis?.comparisons.find((c) => c.metric_id === 'signup')?.cuped).toBeNull();
  });

  it('makes a global metric a guardrail of an experiment that does not name it: a loss on it fails the experiment', () => {
    const results = driver();
    results.pipe('exp', delta('control', 1000, 200), T0);
    const second = results.pipe('exp', delta('treatment', 1000, 100), T0 + 1).find((o) => o.child === RESULTS_SINK)?.value as ExperimentResults;
    expect(second.analysis?.comparisons[0]).toMatchObject({ metric_id: 'signup', metric_role: 'guardrail', verdict: 'worse' });
    expect(second.status).toBe('guardrail_failed');
    expect(second.analysis?.guardrail_failures).toEqual([expect.objectContaining({ variant_id: 'treatment', metric_id: 'signup', summary: expect.stringMatching(/^signup -50% in treatment/) as unknown })]);
  });

  it('uses the definition: control, weights, and a sample-ratio mismatch', () => {
    const definitions = catalog();
    definitions.apply('experiment|exp', JSON.stringify({ id: 'exp', variants: [{ id: 'treatment' }, { id: 'control' }], control_variant_id: 'control', min_persons_per_variant: 10 }));
    const results = driver(definitions);
    results.pipe('exp', delta('control', 1000, 100), T0);
    const record = results.pipe('exp', delta('treatment', 500, 50), T0 + 1).find((o) => o.child === RESULTS_SINK)?.value as ExperimentResults;
    expect(record.variants.map((v) => v.allocation_weight)).toEqual([1, 1]);
    expect(record.status).toBe('invalid_srm');
    expect(record.analysis?.srm.flagged).toBe(true);
  });

  it('publishes breakdown and series records, grouping values past the cap as other', () => {
    const results = driver(catalog(), 1);
    const outputs = [...results.pipe('exp', delta('control', 10, 1, 'iOS'), T0), ...results.pipe('exp', delta('control', 5, 2, 'Android'), T0 + 1)];
    const breakdowns = outputs.filter((o) => o.child === BREAKDOWNS_SINK).map((o) => o.value as BreakdownResults);
    expect(breakdowns.map((b) => [b.value, b.variants[0]?.persons])).toEqual([
      ['iOS', 10],
      ['other', 5],
    ]);
    const series = outputs.filter((o) => o.child === SERIES_SINK).map((o) => o.value as SeriesResults);
    const lastHour = series.filter((s) => s.granularity === 'hour').at(-1);
    expect(lastHour).toMatchObject({ bucket_start: T0 + HOUR, version: 2, variants: [{ variant_id: 'control', persons: 15, metrics: [{ metric_id: 'signup', persons_converted: 3 }] }] });
    expect(series.filter((s) => s.granularity === 'day').at(-1)?.bucket_start).toBe(Date.UTC(2026, 10, 26));
  });

  it('says why there are no statistics when no metric applies', () => {
    const results = driver(new DefinitionsCatalog());
    const record = results.pipe('exp', delta('control', 10, 0), T0).find((o) => o.child === RESULTS_SINK)?.value as ExperimentResults;
    expect(record.status_reason).toMatch(/no metric applies/);
  });
});

describe('ResultsProcessor > punctuation', () => {
  const resultsOf = (outputs: Array<{ child?: string; value: unknown }>) => outputs.filter((o) => o.child === RESULTS_SINK).map((o) => o.value as ExperimentResults);
  const defineExp = (definitions: DefinitionsCatalog, fields: Record<string, unknown>) =>
    definitions.apply('experiment|exp', JSON.stringify({ id: 'exp', variants: [{ id: 'control' }, { id: 'treatment' }], primary_metrics: ['signup'], ...fields }));

  it('turns collecting into significant once the minimum runtime has passed, with no new delta, and publishes that once', async () => {
    const definitions = catalog();
    const start = Date.now();
    defineExp(definitions, { start_time: start, min_runtime_ms: 60_000 });
    const results = driver(definitions);
    results.pipe('exp', delta('control', 1000, 100), T0);
    const [collecting] = resultsOf(results.pipe('exp', delta('treatment', 1000, 300), T0 + 1));
    expect(collecting).toMatchObject({ version: 2, status: 'collecting', status_reason: expect.stringMatching(/^minimum runtime not reached/) as unknown });

    expect(await results.punctuate('wall-clock', start + 59_999)).toEqual([]);
    const published = resultsOf(await results.punctuate('wall-clock', start + 60_000));
    expect(published).toEqual([expect.objectContaining({ version: 3, updated_at: start + 60_000, status: 'significant' })]);
    expect(published[0]?.analysis?.significant_result).toMatchObject({ variant_id: 'treatment', metric_id: 'signup', outcome: 'winner' });
    expect(results.stores.get(RESULTS_STORE)?.get('exp')).toMatchObject({ version: 3 });
    // Nothing changed since: nothing is published again.
    expect(await results.punctuate('wall-clock', start + 120_000)).toEqual([]);
  });

  it('re-evaluates an experiment whose definition changed, and only that one', async () => {
    const definitions = catalog();
    defineExp(definitions, { min_persons_per_variant: 100 });
    const results = driver(definitions);
    results.pipe('exp', delta('control', 1000, 100), T0);
    results.pipe('other', delta('control', 10, 1, 'iOS', 'other'), T0);
    expect(resultsOf(results.pipe('exp', delta('treatment', 1000, 300), T0 + 1))[0]?.status).toBe('significant');
    // The first punctuation after start compares every experiment's definitions: none changed.
    expect(await results.punctuate('wall-clock', Date.now())).toEqual([]);

    defineExp(definitions, { min_persons_per_variant: 5000 });
    const published = resultsOf(await results.punctuate('wall-clock', Date.now()));
    expect(published).toEqual([expect.objectContaining({ experiment_id: 'exp', version: 3, status: 'collecting', status_reason: expect.stringMatching(/^minimum persons per variant \(5000\) not reached/) as unknown })]);
    expect(await results.punctuate('wall-clock', Date.now())).toEqual([]);
  });

  it('re-evaluates, after a restart, an experiment whose definition changed while it was down', async () => {
    const before = catalog();
    defineExp(before, { min_persons_per_variant: 100 });
    const stopped = driver(before);
    stopped.pipe('exp', delta('control', 1000, 100), T0);
    stopped.pipe('exp', delta('treatment', 1000, 300), T0 + 1);

    // The new instance reads the definitions afresh (its catalog version means nothing to the old one's).
    const after = catalog();
    defineExp(after, { min_persons_per_variant: 5000 });
    const restarted = driver(after, 20, stopped);
    expect(resultsOf(await restarted.punctuate('wall-clock', Date.now()))).toEqual([expect.objectContaining({ experiment_id: 'exp', version: 3, status: 'collecting' })]);
  });
});

describe('ResultsProcessor > a generation being rebuilt', () => {
  const progress = { generation: 2, reason: 'reprocess: test', started_at: T0, events_read: 40, events_total: 100, progress: 0.4, eta_seconds: 3 };
  const shadow: Publication = { publishing: false, versionBase: () => 0, backfill: () => null, countedFrom: () => null };
  /** The previous generation published exp up to version 7, its iOS breakdown up to 5 and nothing else. */
  const bases: Record<string, number> = { exp: 7, 'exp|context.os.name|iOS': 5 };
  const takenOver: Publication = { publishing: true, versionBase: (_topic, key) => bases[key] ?? 0, backfill: () => null, countedFrom: () => T0 + HOUR };

  it('keeps its state without publishing, then publishes every entry once when it takes over, continuing the versions', async () => {
    const building = driver(catalog(), 20, undefined, shadow);
    expect(building.pipe('exp', delta('control', 10, 1, 'iOS'), T0)).toEqual([]);
    expect(building.pipe('exp', delta('treatment', 10, 2, 'Android'), T0 + 1)).toEqual([]);
    expect(await building.punctuate('wall-clock', Date.now())).toEqual([]);
    expect(building.stores.get(RESULTS_STORE)?.get('exp')).toMatchObject({ version: 0, analysis: null });

    const live = driver(catalog(), 20, building, takenOver);
    const outputs = await live.punctuate('wall-clock', Date.now());
    const [record] = outputs.filter((o) => o.child === RESULTS_SINK).map((o) => o.value as ExperimentResults);
    // Started before the retained history (T0 < T0 + 1h): it says where its history starts.
    expect(record).toMatchObject({ version: 8, counted_from: T0 + HOUR, backfill: null, variants: [{ variant_id: 'control', persons: 10 }, { variant_id: 'treatment', persons: 10 }] });
    expect(record?.analysis).not.toBeNull();
    const versions = (child: string) => outputs.filter((o) => o.child === child).map((o) => [o.key, (o.value as { version: number }).version]);
    expect(versions(BREAKDOWNS_SINK)).toEqual([
      ['exp|context.os.name|iOS', 6],
      ['exp|context.os.name|Android', 1],
    ]);
    expect(versions(SERIES_SINK)).toEqual([
      [`exp|hour|${T0 + HOUR}`, 1],
      [`exp|day|${Date.UTC(2026, 10, 26)}`, 1],
    ]);
    // Published once: later punctuations publish nothing, later events continue from there.
    expect(await live.punctuate('wall-clock', Date.now())).toEqual([]);
    const next = live.pipe('exp', delta('control', 1, 0, 'iOS'), T0 + 2);
    expect(next.filter((o) => o.child !== SERIES_SINK).map((o) => [o.key, (o.value as { version: number }).version])).toEqual([
      ['exp|context.os.name|iOS', 7],
      ['exp', 9],
    ]);
  });

  it("shows a rebuild's progress in the live records, re-published as it moves by a whole percent", async () => {
    let shown: typeof progress | null = progress;
    const live = driver(catalog(), 20, undefined, { ...FIRST_GENERATION, backfill: () => shown });
    const [first] = live.pipe('exp', delta('control', 10, 1), T0).filter((o) => o.child === RESULTS_SINK).map((o) => o.value as ExperimentResults);
    expect(first).toMatchObject({ version: 1, backfill: progress, counted_from: null });
    expect((await live.punctuate('wall-clock', Date.now())).filter((o) => o.child === RESULTS_SINK).map((o) => (o.value as ExperimentResults).backfill?.progress)).toEqual([0.4]);
    shown = { ...progress, events_read: 40.5, progress: 0.405 };
    expect(await live.punctuate('wall-clock', Date.now())).toEqual([]);
    shown = null;
    expect((await live.punctuate('wall-clock', Date.now())).map((o) => [o.child, (o.value as ExperimentResults).backfill])).toEqual([[RESULTS_SINK, null]]);
  });
});

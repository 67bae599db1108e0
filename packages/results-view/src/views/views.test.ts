import { LatestResultsStore } from '../results-store';
import { CHECKOUT_ERRORS_FAILURE, contractRecord, conversionMetric, record, seriesRecord } from '../testing/fixtures';
import { MAX_SERIES_POINTS } from './conversion-series';
import { experimentDetail, STATISTICS_NOT_AVAILABLE } from './experiment-detail';
import { experimentSummary } from './experiment-summary';
import { apiSchemas } from '@abtest/results-contract';

function entryOf(...records: ReturnType<typeof record>[]) {
  const store = new LatestResultsStore();
  for (const r of records) store.putResults(r);
  const entry = store.get(records[0]?.experiment_id ?? '');
  if (!entry?.results) throw new Error('no entry');
  return { store, entry: { ...entry, results: entry.results } };
}

describe('experimentSummary', () => {
  it('should summarise a significant experiment with its headline comparison', () => {
    const summary = experimentSummary(record('winner', { updated_at: 1_000 }), 4_000);
    expect(apiSchemas.experimentSummarySchema.parse(summary)).toEqual(summary);
    expect(summary).toMatchObject({ status: 'significant', age_ms: 3_000, persons: 2000, srm_flagged: false, statistics_available: true });
    expect(summary.headline).toEqual({ metric_id: 'click', variant_id: 'green', relative_lift: { estimate: 0.2, lower: 0.05, upper: 0.35 }, sequential_p_value_adjusted: 0.03, chance_to_beat_control: 0.98, outcome: 'winner' });
  });

  it('should degrade without statistics: no status, no headline, unique click rates', () => {
    const summary = experimentSummary(record('none'), 0);
    expect(summary).toMatchObject({ status: null, headline: null, statistics_available: false });
    expect(summary.variants.map((v) => v.unique_click_rate)).toEqual([0.1, 0.12]);
  });

  it('should flag SRM', () => {
    expect(experimentSummary(record('srm'), 0)).toMatchObject({ status: 'invalid_srm', srm_flagged: true });
  });

  it('should list the failed guardrails of a guardrail_failed experiment, its headline on the primary metric', () => {
    const summary = experimentSummary(record('guardrail'), 0);
    expect(apiSchemas.experimentSummarySchema.parse(summary)).toEqual(summary);
    expect(summary).toMatchObject({ status: 'guardrail_failed', srm_flagged: false, headline: { metric_id: 'click', outcome: null } });
    expect(summary.guardrail_failures).toEqual([CHECKOUT_ERRORS_FAILURE]);
    expect(experimentSummary(record('winner'), 0).guardrail_failures).toEqual([]);
  });

  it('should show a state rebuild in progress: its generation and reason, the start as an ISO time, the progress in percent with one decimal, the ETA once measured', () => {
    const startedAt = Date.UTC(2026, 11, 5, 9, 30);
    const backfill = { generation: 2, reason: 'definitions changed: metric big-basket', started_at: startedAt, events_read: 1_234, events_total: 2_740, progress: 1_234 / 2_740, eta_seconds: null };
    const summary = experimentSummary(record('winner', { backfill }), 0);
    expect(apiSchemas.experimentSummarySchema.parse(summary)).toEqual(summary);
    expect(summary.backfill).toEqual({ generation: 2, reason: 'definitions changed: metric big-basket', started_at: '2026-12-05T09:30:00.000Z', events_read: 1_234, events_total: 2_740, percent: 45, eta_seconds: null });
    expect(experimentSummary(record('winner', { backfill: { ...backfill, progress: 0.99996, eta_seconds: 0.4 } }), 0).backfill).toMatchObject({ percent: 100, eta_seconds: 0.4 });
    expect(experimentSummary(record('collecting', { backfill: { ...backfill, progress: 0.1234 } }), 0).backfill?.percent).toBe(12.3);
    expect(experimentSummary(record('winner'), 0).backfill).toBeNull();
    expect(experimentSummary(record('none'), 0).backfill).toBeNull();
  });

  it('should say where the figures count from when retention cut the history at the last rebuild, and nothing when the whole history is counted', () => {
    const summary = experimentSummary(record('winner', { counted_from: Date.UTC(2026, 10, 1, 23, 59) }), 0);
    expect(apiSchemas.experimentSummarySchema.parse(summary)).toEqual(summary);
    expect(summary).toMatchObject({ counted_from: '2026-11-01T23:59:00.000Z', history_note: 'counted from 2026-11-01: earlier events are past retention' });
    expect(experimentSummary(record('winner'), 0)).toMatchObject({ counted_from: null, history_note: null });
    expect(experimentSummary(record('none'), 0)).toMatchObject({ counted_from: null, history_note: null });
  });

  it('should count assigned persons, and unique views for records written before assignments', () => {
    const [control, green] = contractRecord().variants;
    if (!control || !green) throw new Error('the fixture has two variants');
    expect(experimentSummary(record('collecting', { variants: [{ ...control, persons: 900 }, { ...green, persons: 950 }] }), 0).persons).toBe(1850);
    expect(experimentSummary(record('none'), 0).persons).toBe(2000);
  });
});

describe('experimentDetail', () => {
  it('should build the variant rows with each metric and its comparison against the control', () => {
    const withMetrics = record('winner', {
      variants: [
        { variant_id: 'control', variant_name: 'Control', unique_views: 1000, total_views: 1200, unique_clicks: 100, total_clicks: 110, persons: 1000, allocation_weight: 1, metrics: [{ metric_id: 'click', metric_type: 'conversion', persons_converted: 100, conversion_rate: 0.1, event_count: 110, sum: 100, mean: 0.1, sum_squares: 100, cuped: null }] },
        { variant_id: 'green', variant_name: 'Green', unique_views: 1000, total_views: 1300, unique_clicks: 120, total_clicks: 150, persons: 1000, allocation_weight: 1, metrics: [{ metric_id: 'click', metric_type: 'conversion', persons_converted: 120, conversion_rate: 0.12, event_count: 150, sum: 120, mean: 0.12, sum_squares: 120, cuped: null }] },
      ],
    });
    const detail = experimentDetail(entryOf(withMetrics).entry, { now: 0 });
    expect(apiSchemas.experimentDetailSchema.parse(detail)).toEqual(detail);
    expect(detail.control_variant_id).toBe('control');
    expect(detail.selected_metric).toBe('click');
    expect(detail.variants[0]).toMatchObject({ is_control: true, unique_click_rate: 0.1, total_click_rate: 110 / 1200, metrics: [{ rate: 0.1, comparison: null }] });
    expect(detail.variants[1]?.metrics[0]?.comparison).toMatchObject({ verdict: 'better', metric_role: 'primary', adjusted_p_value: 0.03, adjustment: 'holm', significant: true, relative_lift: { estimate: 0.2, lower: 0.1, upper: 0.3 }, relative_lift_sequential: { lower: 0.05, upper: 0.35 } });
    expect(detail.statistics).toMatchObject({ available: true, alpha: 0.05, srm: { flagged: false, variants: [{ share: 0.5, expected_share: 0.5 }, { share: 0.5 }] } });
  });

  it('should mark each metric with its role, verdict and the adjusted p-value of its family', () => {
    const guardrail = record('guardrail');
    const analysis = guardrail.analysis;
    if (!analysis) throw new Error('the guardrail scenario has an analysis');
    const secondary = { ...analysis.comparisons[0], metric_id: 'signup', metric_role: 'secondary', sequential_p_value_adjusted: 0.2, sequential_significant: false, verdict: 'inconclusive' } as const;
    const withSecondary = { ...guardrail, analysis: { ...analysis, comparisons: [...analysis.comparisons, secondary], sequential_restart_reason: 'alpha changed from 0.05 to 0.01: restarted' } };
    const detail = experimentDetail(entryOf(withSecondary).entry, { now: 0 });
    expect(apiSchemas.experimentDetailSchema.parse(detail)).toEqual(detail);
    expect(detail.metric_roles).toEqual([
      { metric_id: 'click', metric_role: 'primary' },
      { metric_id: 'checkout_errors', metric_role: 'guardrail' },
      { metric_id: 'signup', metric_role: 'secondary' },
    ]);
    const green = detail.variants.find((v) => v.variant_id === 'green');
    const comparisonOf = (metricId: string) => green?.metrics.find((m) => m.metric_id === metricId)?.comparison;
    expect(comparisonOf('click')).toMatchObject({ metric_role: 'primary', verdict: 'better', adjusted_p_value: 0.03, adjustment: 'holm' });
    expect(comparisonOf('signup')).toMatchObject({ metric_role: 'secondary', verdict: 'inconclusive', adjusted_p_value: 0.2, adjustment: 'bh' });
    expect(comparisonOf('checkout_errors')).toMatchObject({
      metric_role: 'guardrail',
      verdict: 'worse',
      adjusted_p_value: 0.002,
      adjustment: 'guardrail_holm',
      guardrail_p_value_adjusted: 0.002,
      sequential_p_value_adjusted: null,
      absolute_difference_sequential: { estimate: 0.006, lower: 0.002, upper: 0.01 },
      relative_lift_sequential: { estimate: 0.12, lower: 0.04, upper: 0.2 },
    });
    expect(detail.statistics).toMatchObject({ guardrail_alpha: 0.05, sequential_restart_reason: 'alpha changed from 0.05 to 0.01: restarted', srm: { sequential_p_value: 1, p_value: 0.7 } });
  });

  it('should carry the rebuild and the history note in the experiment', () => {
    const backfill = { generation: 3, reason: 'reprocess: fix attribution bug', started_at: 0, events_read: 0, events_total: 5_000, progress: 0, eta_seconds: null };
    const detail = experimentDetail(entryOf(record('collecting', { backfill, counted_from: Date.UTC(2026, 9, 15) })).entry, { now: 0 });
    expect(apiSchemas.experimentDetailSchema.parse(detail)).toEqual(detail);
    expect(detail.experiment).toMatchObject({ backfill: { generation: 3, reason: 'reprocess: fix attribution bug', started_at: '1970-01-01T00:00:00.000Z', percent: 0 }, history_note: 'counted from 2026-10-15: earlier events are past retention' });
  });

  it('should take the rate of a metric over assigned persons when the record has no rate', () => {
    const metric = { ...conversionMetric('click', 90, 900), conversion_rate: null };
    const [control, green] = contractRecord().variants;
    if (!control || !green) throw new Error('the fixture has two variants');
    const detail = experimentDetail(entryOf(record('collecting', { variants: [{ ...control, persons: 900, metrics: [metric] }, green] })).entry, { now: 0 });
    expect(detail.variants[0]?.metrics[0]).toMatchObject({ persons: 900, persons_converted: 90, rate: 0.1 });
    expect(detail.variants[1]?.metrics[0]).toMatchObject({ persons: 1000, rate: 0.12 });
  });

  it('should say statistics are not available and chart the results history', () => {
    const { entry } = entryOf(record('none', { version: 1, updated_at: 10 }), record('none', { version: 2, updated_at: 20 }));
    const detail = experimentDetail(entry, { now: 0 });
    expect(detail.statistics).toMatchObject({ available: false, reason: STATISTICS_NOT_AVAILABLE });
    expect(detail.series.source).toBe('results_history');
    expect(detail.series.variants[0]?.points.map((p) => p.t)).toEqual([10, 20]);
    expect(detail.series.variants[0]?.points[0]).toMatchObject({ persons: 1000, converted: 100, rate: 0.1 });
    expect(detail.series.variants[0]?.points[0]?.lower).toBeCloseTo(0.0829, 3);
  });

  it('should say why it charts the results history: no series records yet, or series records without a metric', () => {
    const { entry, store } = entryOf(record('none', { version: 1, updated_at: 10 }));
    expect(experimentDetail(entry, { now: 0 }).series.description).toMatch(/the series topic has no records for this experiment yet$/);
    store.putSeries({ ...seriesRecord(0, [{ id: 'control', persons: 10, converted: 0 }]), variants: [{ variant_id: 'control', persons: 10, metrics: [] }] });
    const series = experimentDetail(entry, { now: 0 }).series;
    expect(series.source).toBe('results_history');
    expect(series.description).toMatch(/the series topic's 1 record for this experiment carry no metric/);
  });

  it('should prefer hourly series records, summing the buckets into cumulative rates with a Wilson band, capped at the record time for the current hour', () => {
    const { store, entry } = entryOf(record('winner'));
    store.putSeries(seriesRecord(0, [{ id: 'control', persons: 100, converted: 10 }]));
    store.putSeries(seriesRecord(3_600_000, [{ id: 'control', persons: 100, converted: 14 }]));
    store.putSeries(seriesRecord(0, [{ id: 'control', persons: 5, converted: 5 }], 'day'));
    const series = experimentDetail(entry, { now: 0 }).series;
    expect(series).toMatchObject({ source: 'series', granularity: 'hour', metric_id: 'click' });
    const control = series.variants.find((v) => v.variant_id === 'control')?.points;
    expect(control?.map((p) => [p.t, p.persons, p.converted, p.rate])).toEqual([
      [1_000, 100, 10, 0.1],
      [3_601_000, 200, 24, 0.12],
    ]);
    expect(control?.[1]?.lower).toBeLessThan(0.12);
  });

  it('should sum the buckets in time order, keep the figures of a variant through buckets without it and start its line at its first persons', () => {
    const { store, entry } = entryOf(record('winner'));
    // Put out of order: the view sorts by bucket start.
    store.putSeries(seriesRecord(2 * 3_600_000, [{ id: 'green', persons: 50, converted: 5 }]));
    store.putSeries(seriesRecord(0, [{ id: 'control', persons: 100, converted: 10 }]));
    store.putSeries(seriesRecord(3_600_000, [{ id: 'control', persons: 100, converted: 30 }, { id: 'green', persons: 0, converted: 0 }]));
    const points = (id: string) => experimentDetail(entry, { now: 0 }).series.variants.find((v) => v.variant_id === id)?.points.map((p) => [p.t, p.persons, p.converted]);
    expect(points('control')).toEqual([
      [1_000, 100, 10],
      [3_601_000, 200, 40],
      [7_201_000, 200, 40],
    ]);
    expect(points('green')).toEqual([[7_201_000, 50, 5]]);
  });

  it('should count the buckets trimmed from the chart in the cumulative figures', () => {
    const { store, entry } = entryOf(record('winner'));
    const extra = 10;
    for (let i = 0; i < MAX_SERIES_POINTS + extra; i++) store.putSeries(seriesRecord(i * 3_600_000, [{ id: 'control', persons: 10, converted: i < extra ? 10 : 1 }]));
    const points = experimentDetail(entry, { now: 0 }).series.variants.find((v) => v.variant_id === 'control')?.points ?? [];
    expect(points).toHaveLength(MAX_SERIES_POINTS);
    expect(points[0]).toMatchObject({ t: extra * 3_600_000 + 1_000, persons: (extra + 1) * 10, converted: extra * 10 + 1 });
    expect(points.at(-1)).toMatchObject({ persons: (MAX_SERIES_POINTS + extra) * 10, converted: extra * 10 + MAX_SERIES_POINTS });
  });

  it('should chart the cumulative mean of a value metric, without a band', () => {
    const revenue = { metric_id: 'revenue', metric_type: 'value' as const, persons_converted: 3, conversion_rate: 0.003, event_count: 4, sum: 30, mean: 0.03, sum_squares: 500, cuped: null };
    const [control, green] = contractRecord().variants;
    if (!control || !green) throw new Error('the fixture has two variants');
    const { store, entry } = entryOf(record('winner', { variants: [{ ...control, metrics: [revenue] }, { ...green, metrics: [revenue] }] }));
    for (const [bucket, persons, sum] of [[0, 10, 25], [3_600_000, 30, 15]] as const) {
      store.putSeries({ experiment_id: 'exp-1', granularity: 'day', bucket_start: bucket, version: 1, updated_at: bucket + 1, variants: [{ variant_id: 'green', persons, metrics: [{ metric_id: 'revenue', persons_converted: 1, event_count: 2, sum }] }] });
    }
    const series = experimentDetail(entry, { now: 0, metric: 'revenue' }).series;
    expect(series).toMatchObject({ granularity: 'day', metric_id: 'revenue', interval: expect.stringMatching(/^none/) });
    expect(series.variants.find((v) => v.variant_id === 'green')?.points.map((p) => [p.persons, p.converted, p.rate, p.lower])).toEqual([
      [10, 1, 2.5, null],
      [40, 2, 1, null],
    ]);
  });

  it('should break the experiment down by segment with the lift against the control of the segment', () => {
    const { store, entry } = entryOf(record('winner'));
    const metric = (converted: number, persons: number) => ({ metric_id: 'click', metric_type: 'conversion' as const, persons_converted: converted, conversion_rate: converted / persons, event_count: converted, sum: converted, mean: converted / persons, sum_squares: converted, cuped: null });
    store.putBreakdown({ experiment_id: 'exp-1', dimension: 'os', value: 'Android', version: 1, updated_at: 1, variants: [{ variant_id: 'control', persons: 100, metrics: [metric(10, 100)] }, { variant_id: 'green', persons: 100, metrics: [metric(12, 100)] }] });
    store.putBreakdown({ experiment_id: 'exp-1', dimension: 'os', value: 'iOS', version: 1, updated_at: 1, variants: [{ variant_id: 'control', persons: 500, metrics: [metric(50, 500)] }, { variant_id: 'green', persons: 500, metrics: [metric(75, 500)] }] });
    const [os] = experimentDetail(entry, { now: 0 }).breakdowns;
    expect(os?.segments.map((s) => s.value)).toEqual(['iOS', 'Android']);
    const ios = os?.segments[0]?.variants;
    expect(ios?.[0]?.relative_lift).toBeNull();
    expect(ios?.[1]?.rate).toBe(0.15);
    expect(ios?.[1]?.relative_lift?.estimate).toBeCloseTo(0.5, 10);
    expect(ios?.[1]?.relative_lift?.lower).toBeLessThan(0.5);
  });
});

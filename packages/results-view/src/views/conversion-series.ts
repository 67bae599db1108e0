import { INTERVAL_LEVEL, ratio, wilsonInterval } from '../intervals';
import type { Granularity, ResultsRecord, SeriesRecord } from '../records';
import type { ExperimentEntry } from '../results-store';
import type { SeriesPoint, SeriesView } from './schemas';

const BUCKET_MS: Record<Granularity, number> = { hour: 3_600_000, day: 86_400_000 };
/** Points per variant on the chart: enough for 3 weeks of hourly buckets, few enough for a quick SVG. */
export const MAX_SERIES_POINTS = 500;
const WILSON = `${INTERVAL_LEVEL * 100}% Wilson score interval of the cumulative rate`;

function metricType(record: ResultsRecord, metricId: string): 'conversion' | 'value' {
  for (const variant of record.variants) {
    const metric = variant.metrics.find((m) => m.metric_id === metricId);
    if (metric) return metric.metric_type;
  }
  return record.analysis?.comparisons.find((c) => c.metric_id === metricId)?.metric_type ?? 'conversion';
}

function fromSeries(record: ResultsRecord, records: SeriesRecord[], metricId: string | null): SeriesView | null {
  if (records.length === 0) return null;
  const granularity: Granularity = records.some((r) => r.granularity === 'hour') ? 'hour' : 'day';
  const buckets = records.filter((r) => r.granularity === granularity).sort((a, b) => a.bucket_start - b.bucket_start).slice(-MAX_SERIES_POINTS);
  const metric = metricId ?? buckets.flatMap((b) => b.variants.flatMap((v) => v.metrics.map((m) => m.metric_id)))[0] ?? null;
  if (metric === null) return null;
  const type = metricType(record, metric);
  const variantIds = [...new Set([...record.variants.map((v) => v.variant_id), ...buckets.flatMap((b) => b.variants.map((v) => v.variant_id))])];
  const names = new Map(record.variants.map((v) => [v.variant_id, v.variant_name]));
  return {
    source: 'series',
    description: `Cumulative ${type === 'conversion' ? 'conversion rate' : 'mean per person'} of metric ${metric} per ${granularity}, from the series topic`,
    granularity,
    metric_id: metric,
    interval: type === 'conversion' ? WILSON : 'none: the series records carry no sums of squares for a value metric',
    variants: variantIds.map((variantId) => ({
      variant_id: variantId,
      variant_name: names.get(variantId) ?? variantId,
      points: buckets.flatMap((bucket): SeriesPoint[] => {
        const variant = bucket.variants.find((v) => v.variant_id === variantId);
        const totals = variant?.metrics.find((m) => m.metric_id === metric);
        if (!variant || !totals) return [];
        const t = Math.min(bucket.bucket_start + BUCKET_MS[granularity], bucket.updated_at);
        const n = variant.cumulative_persons;
        if (type === 'value') return [{ t, persons: n, converted: totals.cumulative_persons_converted, rate: ratio(totals.cumulative_sum, n), lower: null, upper: null }];
        const interval = wilsonInterval(totals.cumulative_persons_converted, n);
        return [{ t, persons: n, converted: totals.cumulative_persons_converted, rate: interval.estimate, lower: interval.lower, upper: interval.upper }];
      }),
    })),
  };
}

function fromHistory(entry: ExperimentEntry & { results: ResultsRecord }): SeriesView {
  const record = entry.results;
  if (entry.history.length === 0) {
    return { source: 'none', description: 'Nothing to draw yet', granularity: null, metric_id: null, interval: WILSON, variants: [] };
  }
  return {
    source: 'results_history',
    description: `Unique click rate (unique clicks / unique views) at each of the ${entry.history.length} results records this service instance has read; the series topic has no records for this experiment yet`,
    granularity: null,
    metric_id: null,
    interval: WILSON,
    variants: record.variants.map((variant) => ({
      variant_id: variant.variant_id,
      variant_name: variant.variant_name,
      points: entry.history.flatMap((point): SeriesPoint[] => {
        const counts = point.variants.find((v) => v.variant_id === variant.variant_id);
        if (!counts || counts.unique_views === 0) return [];
        const interval = wilsonInterval(counts.unique_clicks, counts.unique_views);
        return [{ t: point.t, persons: counts.unique_views, converted: counts.unique_clicks, rate: interval.estimate, lower: interval.lower, upper: interval.upper }];
      }),
    })),
  };
}

/**
 * Each variant's cumulative conversion rate over time with its band: from
 * the series topic when it has records for the experiment, else from the
 * results records this instance has seen (unique clicks / unique views).
 */
export function conversionSeries(entry: ExperimentEntry & { results: ResultsRecord }, metricId: string | null): SeriesView {
  return fromSeries(entry.results, [...entry.series.values()], metricId) ?? fromHistory(entry);
}

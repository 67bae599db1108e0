import { INTERVAL_LEVEL, ratio, wilsonInterval } from '../intervals';
import type { Granularity, ResultsRecord, SeriesPoint, SeriesRecord, SeriesView, VariantMetricRecord } from '@abtest/results-contract';
import type { ExperimentEntry } from '../results-store';

const BUCKET_MS: Record<Granularity, number> = { hour: 3_600_000, day: 86_400_000 };
/** Points per variant on the chart: enough for 3 weeks of hourly buckets, few enough for a quick SVG. */
export const MAX_SERIES_POINTS = 500;
const WILSON = `${INTERVAL_LEVEL * 100}% Wilson score interval of the cumulative rate`;

function metricType(record: ResultsRecord, metricId: string): VariantMetricRecord['metric_type'] {
  for (const variant of record.variants) {
    const metric = variant.metrics.find((m) => m.metric_id === metricId);
    if (metric) return metric.metric_type;
  }
  return record.analysis?.comparisons.find((c) => c.metric_id === metricId)?.metric_type ?? 'conversion';
}

interface Cumulative {
  persons: number;
  converted: number;
  sum: number;
}

/**
 * One variant's cumulative figures of `metricId` at the end of each bucket
 * (buckets in time order): prefix sums of what happened in each. A bucket
 * without the variant changes nothing; null until the variant has persons.
 */
function cumulativeFigures(buckets: SeriesRecord[], variantId: string, metricId: string): Array<Cumulative | null> {
  const running: Cumulative = { persons: 0, converted: 0, sum: 0 };
  return buckets.map((bucket) => {
    const variant = bucket.variants.find((v) => v.variant_id === variantId);
    const totals = variant?.metrics.find((m) => m.metric_id === metricId);
    running.persons += variant?.persons ?? 0;
    running.converted += totals?.persons_converted ?? 0;
    running.sum += totals?.sum ?? 0;
    return running.persons > 0 ? { ...running } : null;
  });
}

function seriesPoint(type: VariantMetricRecord['metric_type'], t: number, figures: Cumulative): SeriesPoint {
  if (type === 'value') return { t, persons: figures.persons, converted: figures.converted, rate: ratio(figures.sum, figures.persons), lower: null, upper: null };
  const interval = wilsonInterval(figures.converted, figures.persons);
  return { t, persons: figures.persons, converted: figures.converted, rate: interval.estimate, lower: interval.lower, upper: interval.upper };
}

function fromSeries(record: ResultsRecord, records: SeriesRecord[], metricId: string | null): SeriesView | null {
  if (records.length === 0) return null;
  const granularity: Granularity = records.some((r) => r.granularity === 'hour') ? 'hour' : 'day';
  // Every bucket counts towards the cumulative figures: the chart is trimmed to its last points only after the sums.
  const buckets = records.filter((r) => r.granularity === granularity).sort((a, b) => a.bucket_start - b.bucket_start);
  const shown = Math.max(0, buckets.length - MAX_SERIES_POINTS);
  const metric = metricId ?? buckets.flatMap((b) => b.variants.flatMap((v) => v.metrics.map((m) => m.metric_id)))[0] ?? null;
  if (metric === null) return null;
  const type = metricType(record, metric);
  const variantIds = [...new Set([...record.variants.map((v) => v.variant_id), ...buckets.flatMap((b) => b.variants.map((v) => v.variant_id))])];
  const names = new Map(record.variants.map((v) => [v.variant_id, v.variant_name]));
  return {
    source: 'series',
    description: `Cumulative ${type === 'conversion' ? 'conversion rate' : 'mean per person'} of metric ${metric} at the end of each ${granularity} (the current one: at its last record), summed from the series topic's per-${granularity} records`,
    granularity,
    metric_id: metric,
    interval: type === 'conversion' ? WILSON : 'none: the series records carry no sums of squares for a value metric',
    variants: variantIds.map((variantId) => ({
      variant_id: variantId,
      variant_name: names.get(variantId) ?? variantId,
      points: cumulativeFigures(buckets, variantId, metric).flatMap((figures, i): SeriesPoint[] => {
        const bucket = buckets[i];
        if (i < shown || !figures || !bucket) return [];
        return [seriesPoint(type, Math.min(bucket.bucket_start + BUCKET_MS[granularity], bucket.updated_at), figures)];
      }),
    })),
  };
}

function fromHistory(entry: ExperimentEntry & { results: ResultsRecord }, whyNotSeries: string): SeriesView {
  const record = entry.results;
  if (entry.history.length === 0) {
    return { source: 'none', description: 'Nothing to draw yet', granularity: null, metric_id: null, interval: WILSON, variants: [] };
  }
  return {
    source: 'results_history',
    description: `Unique click rate (unique clicks / unique views) at each of the ${entry.history.length} results records this service instance has read; ${whyNotSeries}`,
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
  const records = [...entry.series.values()];
  const whyNotSeries =
    records.length === 0
      ? 'the series topic has no records for this experiment yet'
      : `the series topic's ${records.length} record${records.length === 1 ? '' : 's'} for this experiment carry no metric (series are kept for conversion and value metrics: define one for this experiment to chart it)`;
  return fromSeries(entry.results, records, metricId) ?? fromHistory(entry, whyNotSeries);
}

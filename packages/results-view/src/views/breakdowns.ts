import { relativeEffect, summarize } from '@abtest/stats';
import { normalInterval, ratio } from '../intervals';
import type { BreakdownRecord, BreakdownView, IntervalView, VariantMetricRecord } from '@abtest/results-contract';
import type { ExperimentEntry } from '../results-store';

type SegmentVariant = BreakdownRecord['variants'][number];

function rateOf(metric: VariantMetricRecord | undefined, persons: number): number | null {
  if (!metric) return null;
  if (metric.metric_type === 'conversion') return metric.conversion_rate ?? ratio(metric.persons_converted, persons);
  return metric.mean ?? ratio(metric.sum, persons);
}

/** Relative lift against the control of the same segment, fixed-horizon 95% (delta method, as @abtest/stats). */
function segmentLift(control: SegmentVariant | undefined, variant: SegmentVariant, metricId: string): IntervalView | null {
  const c = control?.metrics.find((m) => m.metric_id === metricId);
  const v = variant.metrics.find((m) => m.metric_id === metricId);
  if (!control || !c || !v || control.variant_id === variant.variant_id) return null;
  const effect = relativeEffect(
    summarize({ n: control.persons, sum: c.sum, sumSquares: c.sum_squares }, c.metric_type),
    summarize({ n: variant.persons, sum: v.sum, sumSquares: v.sum_squares }, v.metric_type),
  );
  return effect ? normalInterval(effect.estimate, effect.standardError) : null;
}

/** One table per dimension (e.g. os), one row per value (iOS, Android), largest segments first. */
export function breakdownViews(entry: ExperimentEntry, metricId: string | null, controlVariantId: string | null): BreakdownView[] {
  const byDimension = new Map<string, BreakdownRecord[]>();
  for (const record of entry.breakdowns.values()) {
    const list = byDimension.get(record.dimension) ?? [];
    list.push(record);
    byDimension.set(record.dimension, list);
  }
  const persons = (record: BreakdownRecord) => record.variants.reduce((sum, v) => sum + v.persons, 0);
  return [...byDimension.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([dimension, records]) => {
      const metric = metricId ?? records.flatMap((r) => r.variants.flatMap((v) => v.metrics.map((m) => m.metric_id)))[0] ?? null;
      return {
        dimension,
        metric_id: metric,
        segments: [...records]
          .sort((a, b) => persons(b) - persons(a) || a.value.localeCompare(b.value))
          .map((record) => {
            const control = record.variants.find((v) => v.variant_id === controlVariantId);
            return {
              value: record.value,
              updated_at: record.updated_at,
              variants: record.variants.map((variant) => {
                const totals = metric === null ? undefined : variant.metrics.find((m) => m.metric_id === metric);
                return {
                  variant_id: variant.variant_id,
                  persons: variant.persons,
                  persons_converted: totals?.persons_converted ?? null,
                  rate: rateOf(totals, variant.persons),
                  relative_lift: metric === null ? null : segmentLift(control, variant, metric),
                };
              }),
            };
          }),
      };
    });
}

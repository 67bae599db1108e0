import type { BreakdownResults, ExperimentResults } from '@abtest/results-contract';
import { comparableCupedSums, roundFigure, type ExpectedConversions, type ExpectedCupedSums } from './expected-conversions';

/*
 * Published records and the SQL reference (expected-conversions.ts) as rows
 * of the same shape, sorted, for the conversion-metric tests to compare.
 */

type Figures = { metric_id: string; persons_converted: number; event_count: number; sum: number; sum_squares: number; cuped?: ExpectedCupedSums | null };
const figures = (metrics: Figures[]) =>
  metrics
    .map((m) => ({ metric_id: m.metric_id, persons_converted: m.persons_converted, event_count: m.event_count, sum: roundFigure(m.sum), sum_squares: roundFigure(m.sum_squares), cuped: comparableCupedSums(m.cuped) }))
    .sort((a, b) => a.metric_id.localeCompare(b.metric_id));
export const byKey = <T extends Record<string, unknown>>(rows: T[], key: (row: T) => string): T[] => [...rows].sort((a, b) => key(a).localeCompare(key(b)));

/** The published variants as rows comparable with the reference (metrics restricted to `metricIds`). */
export function variantRows(latest: Map<string, ExperimentResults>, metricIds: Set<string>) {
  const rows = [...latest.values()].flatMap((r) => r.variants.map((v) => ({ experiment_id: r.experiment_id, variant_id: v.variant_id, persons: v.persons, metrics: figures(v.metrics.filter((m) => metricIds.has(m.metric_id))) })));
  return byKey(rows, (r) => `${r.experiment_id}/${r.variant_id}`);
}

export function expectedVariantRows(expected: ExpectedConversions) {
  return byKey(expected.variants.map((v) => ({ experiment_id: v.experiment_id, variant_id: v.variant_id, persons: v.persons, metrics: figures(v.metrics) })), (r) => `${r.experiment_id}/${r.variant_id}`);
}

export function breakdownRows(latest: Map<string, BreakdownResults>, experimentIds: Set<string>) {
  const rows = [...latest.values()].filter((b) => experimentIds.has(b.experiment_id)).flatMap((b) => b.variants.filter((v) => v.persons !== 0).map((v) => ({ experiment_id: b.experiment_id, dimension: b.dimension, value: b.value, variant_id: v.variant_id, persons: v.persons, metrics: figures(v.metrics) })));
  return byKey(rows, (r) => `${r.experiment_id}/${r.dimension}/${r.value}/${r.variant_id}`);
}

export function expectedBreakdownRows(expected: ExpectedConversions) {
  const rows = expected.breakdowns.filter((b) => b.persons !== 0).map((b) => ({ experiment_id: b.experiment_id, dimension: b.dimension, value: b.value, variant_id: b.variant_id, persons: b.persons, metrics: figures(b.metrics) }));
  return byKey(rows, (r) => `${r.experiment_id}/${r.dimension}/${r.value}/${r.variant_id}`);
}

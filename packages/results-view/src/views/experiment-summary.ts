import { ratio } from '../intervals';
import type { Analysis, Comparison, ExperimentSummary, Headline, ResultsRecord } from '@abtest/results-contract';
import { backfillView, countedFrom } from './state-rebuild';

/** The status: the record's own field, else the analysis', else null (statistics not published yet). */
export function statusOf(record: ResultsRecord): ResultsRecord['status'] {
  return record.status ?? record.analysis?.status ?? null;
}

/** Persons assigned to the variant: the record's `persons`, else (records written before assignment) its unique views. */
export function assignedPersons(variant: ResultsRecord['variants'][number]): number {
  return variant.persons ?? variant.unique_views;
}

/** Persons in the experiment: assigned persons summed over the variants. */
export function totalPersons(record: ResultsRecord): number {
  return record.variants.reduce((sum, v) => sum + assignedPersons(v), 0);
}

export function srmFlagged(record: ResultsRecord): boolean {
  return statusOf(record) === 'invalid_srm' || record.analysis?.srm.flagged === true;
}

/** Metric ids in the order the processor lists them: comparisons first, then variant metrics. */
export function metricIds(record: ResultsRecord): string[] {
  const ids = new Set<string>();
  for (const comparison of record.analysis?.comparisons ?? []) ids.add(comparison.metric_id);
  for (const variant of record.variants) for (const metric of variant.metrics) ids.add(metric.metric_id);
  return [...ids];
}

/**
 * The comparison that summarises the experiment: the significant result
 * when there is one, else on the first primary metric (the first metric when
 * none is primary) the variant with the lowest adjusted sequential p-value
 * (ties: highest chance to beat control).
 */
export function headlineComparison(analysis: Analysis | null): Comparison | null {
  if (!analysis || analysis.comparisons.length === 0) return null;
  const significant = analysis.significant_result;
  if (significant) {
    const match = analysis.comparisons.find((c) => c.variant_id === significant.variant_id && c.metric_id === significant.metric_id);
    if (match) return match;
  }
  const firstMetric = (analysis.comparisons.find((c) => c.metric_role === 'primary') ?? analysis.comparisons[0])?.metric_id;
  const candidates = analysis.comparisons.filter((c) => c.metric_id === firstMetric);
  return [...candidates].sort((a, b) => (a.sequential_p_value_adjusted ?? 1) - (b.sequential_p_value_adjusted ?? 1) || (b.chance_to_beat_control ?? 0) - (a.chance_to_beat_control ?? 0))[0] ?? null;
}

function headline(analysis: Analysis | null): Headline | null {
  const comparison = headlineComparison(analysis);
  if (!comparison) return null;
  const significant = analysis?.significant_result;
  const isSignificant = significant?.variant_id === comparison.variant_id && significant.metric_id === comparison.metric_id;
  return {
    metric_id: comparison.metric_id,
    variant_id: comparison.variant_id,
    relative_lift: { estimate: comparison.relative_lift.estimate, lower: comparison.relative_lift.cs_lower, upper: comparison.relative_lift.cs_upper },
    sequential_p_value_adjusted: comparison.sequential_p_value_adjusted,
    chance_to_beat_control: comparison.chance_to_beat_control,
    outcome: isSignificant ? (significant?.outcome ?? null) : null,
  };
}

export function experimentSummary(record: ResultsRecord, now: number): ExperimentSummary {
  return {
    experiment_id: record.experiment_id,
    experiment_name: record.experiment_name,
    status: statusOf(record),
    status_reason: record.status_reason ?? record.analysis?.status_reason ?? null,
    version: record.version,
    updated_at: record.updated_at,
    age_ms: Math.max(0, now - record.updated_at),
    started_at: record.started_at,
    last_event_received_at: record.last_event_received_at,
    persons: totalPersons(record),
    srm_flagged: srmFlagged(record),
    statistics_available: record.analysis !== null,
    headline: headline(record.analysis),
    guardrail_failures: [...(record.analysis?.guardrail_failures ?? [])],
    variants: record.variants.map((v) => ({
      variant_id: v.variant_id,
      variant_name: v.variant_name,
      unique_views: v.unique_views,
      unique_clicks: v.unique_clicks,
      unique_click_rate: ratio(v.unique_clicks, v.unique_views),
    })),
    backfill: backfillView(record.backfill),
    ...countedFrom(record),
  };
}

import type { StatusChange } from './status-change';

/** One record of the decisions topic (compacted, key = experiment id): what deploy automation acts on. */
export interface DecisionRecord {
  experiment_id: string;
  experiment_name: string;
  status: string;
  previous_status: string | null;
  status_reason: string | null;
  /** The winning variant when one is declared, else null (collecting, a loser found, SRM). */
  winning_variant_id: string | null;
  /** The metric of the significant result, else null. */
  metric_id: string | null;
  /** Relative lift of the significant result's variant with its always-valid confidence sequence. */
  relative_lift: { estimate: number | null; lower: number | null; upper: number | null; interval: 'confidence_sequence' } | null;
  sequential_p_value_adjusted: number | null;
  /** Every guardrail regression (status guardrail_failed), e.g. summary "checkout_errors +12% in B"; empty otherwise. */
  guardrail_failures: Array<{ variant_id: string; metric_id: string; relative_change: number | null; guardrail_p_value_adjusted: number; summary: string }>;
  /** `updated_at` of the results record that changed the status (epoch ms): the same for every replay. */
  decided_at: number;
  /** `version` of that results record. */
  results_version: number;
}

export function decisionRecord(change: StatusChange): DecisionRecord {
  const { snapshot, previous, current } = change;
  const significant = snapshot.significant_result;
  const comparison = significant && snapshot.comparison?.variant_id === significant.variant_id && snapshot.comparison.metric_id === significant.metric_id ? snapshot.comparison : null;
  return {
    experiment_id: change.experimentId,
    experiment_name: snapshot.experiment_name,
    status: current.status,
    previous_status: previous.status === '' ? null : previous.status,
    status_reason: snapshot.status_reason,
    winning_variant_id: current.winner === '' ? null : current.winner,
    metric_id: significant?.metric_id ?? null,
    relative_lift: comparison ? { estimate: comparison.relative_lift, lower: comparison.lower, upper: comparison.upper, interval: 'confidence_sequence' } : null,
    sequential_p_value_adjusted: significant?.sequential_p_value_adjusted ?? null,
    guardrail_failures: snapshot.guardrail_failures.map(({ variant_id, metric_id, relative_change, guardrail_p_value_adjusted, summary }) => ({ variant_id, metric_id, relative_change, guardrail_p_value_adjusted, summary })),
    decided_at: snapshot.updated_at,
    results_version: change.version,
  };
}

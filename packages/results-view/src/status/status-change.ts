import { z } from 'zod';
import { headlineComparison, srmFlagged, statusOf, totalPersons } from '../views/experiment-summary';
import { apiSchemas, type ResultsRecord, significantResultSchema } from '@abtest/results-contract';

/**
 * The fields of a results record whose changes matter downstream, as the
 * strings remembered in Redis ('' = absent). `winner` is the variant of a
 * significant result whose outcome is `winner`; `guardrail_failures` the
 * failed (variant, metric) pairs, one JSON pair a line, sorted — not their
 * numbers, which move with every record.
 */
export interface StatusFacets {
  status: string;
  winner: string;
  guardrail_failures: string;
}

export const FACET_FIELDS = ['status', 'winner', 'guardrail_failures'] as const satisfies ReadonlyArray<keyof StatusFacets>;

export function facetsOf(record: ResultsRecord): StatusFacets {
  const significant = record.analysis?.significant_result;
  const failures = (record.analysis?.guardrail_failures ?? []).map((f) => JSON.stringify([f.variant_id, f.metric_id]));
  return { status: statusOf(record) ?? '', winner: significant?.outcome === 'winner' ? significant.variant_id : '', guardrail_failures: [...new Set(failures)].sort().join('\n') };
}

/** Whether `current` names a failed guardrail (variant, metric) that `previous` did not. */
function newGuardrailFailure(previous: StatusFacets, current: StatusFacets): boolean {
  const before = new Set(previous.guardrail_failures.split('\n'));
  return current.guardrail_failures !== '' && current.guardrail_failures.split('\n').some((pair) => !before.has(pair));
}

/** What a Slack message and a decision record say about the record that changed the status: everything they need, nothing else. */
export const statusSnapshotSchema = z.object({
  experiment_id: z.string(),
  experiment_name: z.string(),
  version: z.number(),
  updated_at: z.number(),
  status_reason: z.string().nullable(),
  persons: z.number(),
  alpha: z.number().nullable(),
  significant_result: significantResultSchema.nullable(),
  /** Absent from entries written before guardrails: none. */
  guardrail_failures: z.array(apiSchemas.guardrailFailureViewSchema).default([]),
  guardrail_alpha: z.number().nullable().default(null),
  /** The significant comparison, else the headline one. */
  comparison: z
    .object({
      variant_id: z.string(),
      metric_id: z.string(),
      relative_lift: z.number().nullable(),
      lower: z.number().nullable(),
      upper: z.number().nullable(),
      sequential_p_value_adjusted: z.number().nullable(),
      chance_to_beat_control: z.number().nullable(),
    })
    .nullable(),
  srm: z
    .object({
      flagged: z.boolean(),
      /** The anytime-valid SRM p-value that decides `flagged`; absent from entries written before it. */
      sequential_p_value: z.number().nullable().default(null),
      p_value: z.number().nullable(),
      variants: z.array(z.object({ variant_id: z.string(), persons: z.number(), expected_persons: z.number() })),
    })
    .nullable(),
});
export type StatusSnapshot = z.output<typeof statusSnapshotSchema>;

export function statusSnapshot(record: ResultsRecord): StatusSnapshot {
  const analysis = record.analysis;
  const comparison = headlineComparison(analysis);
  return {
    experiment_id: record.experiment_id,
    experiment_name: record.experiment_name,
    version: record.version,
    updated_at: record.updated_at,
    status_reason: record.status_reason ?? analysis?.status_reason ?? null,
    persons: totalPersons(record),
    alpha: analysis?.alpha ?? null,
    significant_result: analysis?.significant_result ?? null,
    guardrail_failures: [...(analysis?.guardrail_failures ?? [])],
    guardrail_alpha: analysis?.guardrail_alpha ?? null,
    comparison: comparison && {
      variant_id: comparison.variant_id,
      metric_id: comparison.metric_id,
      relative_lift: comparison.relative_lift.estimate,
      lower: comparison.relative_lift.cs_lower,
      upper: comparison.relative_lift.cs_upper,
      sequential_p_value_adjusted: comparison.sequential_p_value_adjusted,
      chance_to_beat_control: comparison.chance_to_beat_control,
    },
    srm: analysis ? { flagged: srmFlagged(record), sequential_p_value: analysis.srm.sequential_p_value, p_value: analysis.srm.p_value, variants: analysis.srm.variants } : null,
  };
}

/** One entry of the outbox: the remembered facets before and after a record, and that record's snapshot. */
export interface StatusChange {
  id: string;
  experimentId: string;
  version: number;
  previous: StatusFacets;
  current: StatusFacets;
  snapshot: StatusSnapshot;
}

export type AlertKind = 'significant' | 'winner_declared' | 'srm_detected' | 'guardrail_failed';

/** A failed guardrail: the experiment turned guardrail_failed, or another (variant, metric) failed while it is. */
function guardrailFailed(previous: StatusFacets, current: StatusFacets): boolean {
  return current.status === 'guardrail_failed' && (previous.status !== 'guardrail_failed' || newGuardrailFailure(previous, current));
}

/**
 * The Slack alert a change calls for, at most one: SRM first (it voids
 * everything else), then a failed guardrail (it overrides a winner), then a
 * newly declared winner (which is also the first significance when both
 * come with one record), then a first significance without a winner (a
 * loser found).
 */
export function alertFor(change: Pick<StatusChange, 'previous' | 'current'>): AlertKind | null {
  const { previous, current } = change;
  if (current.status === 'invalid_srm' && previous.status !== 'invalid_srm') return 'srm_detected';
  if (guardrailFailed(previous, current)) return 'guardrail_failed';
  if (current.winner !== '' && current.winner !== previous.winner) return 'winner_declared';
  if (current.status === 'significant' && previous.status !== 'significant') return 'significant';
  return null;
}

/**
 * Whether a change is a decision for deploy automation: the status or the
 * winning variant changed, or another guardrail failed. An experiment first
 * seen collecting (or without statistics) decided nothing.
 */
export function isDecision(change: Pick<StatusChange, 'previous' | 'current'>): boolean {
  const { previous, current } = change;
  if (current.status === '') return false;
  if (previous.status === '' && current.status === 'collecting') return false;
  return previous.status !== current.status || previous.winner !== current.winner || guardrailFailed(previous, current);
}

import type { BackfillProgress, BreakdownResults, ExperimentResults, SeriesResults } from '@abtest/results-contract';
import type { ComparisonResult, ExperimentResults as Analysis } from '@abtest/stats';

export interface VariantSpec {
  id: string;
  views: number;
  clicks: number;
  totalViews?: number;
  totalClicks?: number;
}

export interface RecordSpec {
  experimentId: string;
  name?: string;
  version: number;
  updatedAt?: number;
  variants: VariantSpec[];
  /** No analysis when absent: the record as the processor writes it before two variants have persons. */
  analysis?: { status: 'collecting' | 'significant' | 'invalid_srm' | 'guardrail_failed'; winner?: string; loser?: string; lift?: number; srmP?: number; guardrail?: GuardrailSpec; restartReason?: string; cupedVarianceReduction?: number };
}

/** A guardrail metric (checkout_errors unless named) that regressed by `change` (relative) in `variant`: status guardrail_failed. */
export interface GuardrailSpec {
  variant: string;
  metric?: string;
  change: number;
}

/** Lift and chance to beat control of a variant that is not the significant one: small and undecided. */
const UNDECIDED = { lift: 0.03, chance: 0.62 };

/** With `varianceReduction`, the comparison is CUPED-adjusted: its unadjusted figures are wider by 1/√(1 − reduction). */
function comparison(control: VariantSpec, variant: VariantSpec, lift: number, significant: boolean, varianceReduction?: number): ComparisonResult {
  const effect = (estimate: number) => ({ estimate, std_error: 0.02, ci_lower: estimate - 0.04, ci_upper: estimate + 0.04, cs_lower: estimate - 0.06, cs_upper: estimate + 0.06 });
  const raw = (estimate: number) => {
    const width = 0.04 / Math.sqrt(1 - (varianceReduction ?? 0));
    return { estimate, std_error: width / 2, ci_lower: estimate - width, ci_upper: estimate + width };
  };
  return {
    variant_id: variant.id,
    metric_id: 'click',
    metric_type: 'conversion',
    control: { n: control.views, mean: control.clicks / control.views, std_dev: 0.3 },
    variant: { n: variant.views, mean: variant.clicks / variant.views, std_dev: 0.3 },
    absolute_difference: effect(lift / 10),
    relative_lift: effect(lift),
    welch_t: 3,
    welch_df: 1000,
    fixed_horizon_p_value: significant ? 0.001 : 0.4,
    sequential_p_value: significant ? 0.002 : 0.6,
    sequential_p_value_running_min: significant ? 0.002 : 0.6,
    sequential_p_value_adjusted: significant ? 0.004 : 0.8,
    sequential_significant: significant,
    direction: lift >= 0 ? 'increase' : 'decrease',
    chance_to_beat_control: !significant && lift === UNDECIDED.lift ? UNDECIDED.chance : lift >= 0 ? 0.97 : 0.03,
    risk_variant: 0.001,
    risk_control: 0.01,
    metric_role: 'primary',
    verdict: significant ? (lift >= 0 ? 'better' : 'worse') : 'inconclusive',
    cs_conflict: false,
    guardrail_p_value: null,
    guardrail_p_value_running_min: null,
    guardrail_p_value_adjusted: null,
    cuped:
      varianceReduction === undefined
        ? null
        : { theta: 0.8, variance_reduction: varianceReduction, raw_absolute_difference: raw(lift / 10), raw_relative_lift: raw(lift * 1.1), control_adjusted_mean: control.clicks / control.views, variant_adjusted_mean: variant.clicks / variant.views },
  };
}

/** The guardrail's comparison: control errors 5%, the variant's `change` higher, worse, Holm-adjusted p 0.002. */
function guardrailComparison(control: VariantSpec, variant: VariantSpec, spec: GuardrailSpec): ComparisonResult {
  const base = comparison(control, variant, spec.change, false);
  const mean = 0.05;
  return {
    ...base,
    metric_id: spec.metric ?? 'checkout_errors',
    control: { n: control.views, mean, std_dev: Math.sqrt(mean * (1 - mean)) },
    variant: { n: variant.views, mean: mean * (1 + spec.change), std_dev: Math.sqrt(mean * (1 + spec.change) * (1 - mean * (1 + spec.change))) },
    sequential_p_value_adjusted: null,
    chance_to_beat_control: 0.01,
    metric_role: 'guardrail',
    verdict: 'worse',
    guardrail_p_value: 0.001,
    guardrail_p_value_running_min: 0.001,
    guardrail_p_value_adjusted: 0.002,
  };
}

/** A results record as the processor publishes it, with the optional statistics fields when `analysis` is given. */
export function resultsRecord(spec: RecordSpec): ExperimentResults {
  const updatedAt = spec.updatedAt ?? Date.now();
  const [control, ...others] = spec.variants;
  if (!control) throw new Error('a record needs at least one variant');
  const record: ExperimentResults = {
    experiment_id: spec.experimentId,
    experiment_name: spec.name ?? `Experiment ${spec.experimentId}`,
    version: spec.version,
    updated_at: updatedAt,
    last_event_received_at: updatedAt - 500,
    variants: spec.variants.map((v) => ({
      variant_id: v.id,
      variant_name: v.id === control.id ? 'Control' : `Variant ${v.id}`,
      unique_views: v.views,
      total_views: v.totalViews ?? v.views,
      unique_clicks: v.clicks,
      total_clicks: v.totalClicks ?? v.clicks,
      persons: v.views,
      allocation_weight: 1,
      metrics: [{ metric_id: 'click', metric_type: 'conversion', persons_converted: v.clicks, conversion_rate: v.clicks / v.views, event_count: v.totalClicks ?? v.clicks, sum: v.clicks, mean: v.clicks / v.views, sum_squares: v.clicks, cuped: null }],
    })),
    data_quality: { clicks_on_unviewed_variants: 0, variant_switchers: 0 },
    control_variant_id: control.id,
    started_at: updatedAt - 3_600_000,
    status: 'collecting',
    status_reason: 'waiting for persons in at least two variants',
    analysis: null,
    backfill: null,
    counted_from: null,
  };
  const a = spec.analysis;
  if (!a) return record;
  const significantId = a.winner ?? a.loser;
  const liftOf = (v: VariantSpec) => (v.id === a.loser ? -(a.lift ?? 0.2) : v.id === a.winner || !significantId ? (a.lift ?? 0.2) : UNDECIDED.lift);
  const guardrail = a.guardrail;
  const guardrailVariant = others.find((v) => v.id === guardrail?.variant);
  const comparisons = [
    ...others.map((v) => comparison(control, v, liftOf(v), a.status === 'significant' && v.id === significantId, a.cupedVarianceReduction)),
    ...(guardrail && guardrailVariant ? [guardrailComparison(control, guardrailVariant, guardrail)] : []),
  ];
  const failures = comparisons
    .filter((c) => c.metric_role === 'guardrail')
    .map((c) => ({ variant_id: c.variant_id, metric_id: c.metric_id, relative_change: c.relative_lift.estimate, absolute_change: c.absolute_difference.estimate, guardrail_p_value_adjusted: 0.002, summary: `${c.metric_id} +${Math.round((c.relative_lift.estimate ?? 0) * 100)}% in ${c.variant_id}` }));
  const total = spec.variants.reduce((sum, v) => sum + v.views, 0);
  const analysis: Analysis = {
    experiment_id: spec.experimentId,
    computed_at: updatedAt,
    control_variant_id: control.id,
    runtime_ms: 3_600_000,
    alpha: 0.05,
    correction_method: 'holm',
    sequential_tuning_parameter: 5000,
    srm: {
      chi_square: a.status === 'invalid_srm' ? 40 : 0.5,
      df: spec.variants.length - 1,
      p_value: a.srmP ?? (a.status === 'invalid_srm' ? 1e-9 : 0.48),
      checked: true,
      flagged: a.status === 'invalid_srm',
      variants: spec.variants.map((v) => ({ variant_id: v.id, persons: v.views, expected_persons: total / spec.variants.length })),
      sequential_p_value: a.srmP ?? (a.status === 'invalid_srm' ? 1e-9 : 0.48),
    },
    comparisons,
    status: a.status,
    status_reason: statusReason(a, significantId, failures.map((f) => f.summary)),
    significant_result:
      a.status === 'significant' && significantId
        ? { variant_id: significantId, metric_id: 'click', outcome: a.winner ? 'winner' : 'loser', direction: a.winner ? 'increase' : 'decrease', sequential_p_value_adjusted: 0.004 }
        : null,
    guardrail_alpha: 0.05,
    guardrail_failures: failures,
    sequential_restart_reason: a.restartReason ?? null,
  };
  return { ...record, status: a.status, status_reason: analysis.status_reason, analysis };
}

function statusReason(a: NonNullable<RecordSpec['analysis']>, significantId: string | undefined, failures: string[]): string {
  if (a.status === 'significant') return `variant ${significantId} is the ${a.winner ? 'winner' : 'loser'} on metric click`;
  if (a.status === 'invalid_srm') return 'sample-ratio mismatch';
  if (a.status === 'guardrail_failed') return `Guardrail failed: ${failures.join('; ')}`;
  return 'no comparison significant';
}

/**
 * The record while the processor rebuilds its state: generation 2 read
 * 1,234 of 2,740 raw events (45.0%) since 10 minutes before the record, with
 * `eta` (default 190 s; null: no rate yet), and events counted from
 * `countedFrom` (default: the whole history).
 */
export function rebuilding(record: ExperimentResults, options: { eta?: number | null; countedFrom?: number } = {}): ExperimentResults {
  const backfill: BackfillProgress = { generation: 2, reason: 'definitions changed: metric big-basket', started_at: record.updated_at - 600_000, events_read: 1_234, events_total: 2_740, progress: 1_234 / 2_740, eta_seconds: options.eta === undefined ? 190 : options.eta };
  return { ...record, backfill, counted_from: options.countedFrom ?? null };
}

export interface SeriesSpec {
  experimentId: string;
  bucketStart: number;
  version: number;
  /** What happened in the bucket: persons assigned and persons first converting on `click`. */
  variants: Array<{ id: string; persons: number; converted: number }>;
}

/** A record of the `<results>-series` topic (hourly): what happened in one hour. */
export function seriesRecord(spec: SeriesSpec): SeriesResults {
  return {
    experiment_id: spec.experimentId,
    granularity: 'hour',
    bucket_start: spec.bucketStart,
    version: spec.version,
    updated_at: spec.bucketStart + 3_600_000,
    variants: spec.variants.map((v) => ({ variant_id: v.id, persons: v.persons, metrics: [{ metric_id: 'click', persons_converted: v.converted, event_count: v.converted, sum: v.converted }] })),
  };
}

/** A record of the `<results>-breakdowns` topic. */
export function breakdownRecord(experimentId: string, dimension: string, value: string, version: number, variants: Array<{ id: string; persons: number; converted: number }>): BreakdownResults {
  return {
    experiment_id: experimentId,
    dimension,
    value,
    version,
    updated_at: Date.now(),
    variants: variants.map((v) => ({
      variant_id: v.id,
      persons: v.persons,
      metrics: [{ metric_id: 'click', metric_type: 'conversion' as const, persons_converted: v.converted, conversion_rate: v.converted / v.persons, event_count: v.converted, sum: v.converted, mean: v.converted / v.persons, sum_squares: v.converted, cuped: null }],
    })),
  };
}

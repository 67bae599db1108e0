import { parseResultsRecord, type ExperimentResults, type ResultsRecord, type ResultsRecordInput as ResultsInput, type SeriesResults, type VariantMetric } from '@abtest/results-contract';
import type { ComparisonResult } from '@abtest/stats';

/** A conversion metric's figures over `persons` persons. */
export function conversionMetric(metricId: string, converted: number, persons: number): VariantMetric {
  return { metric_id: metricId, metric_type: 'conversion', persons_converted: converted, event_count: converted, sum: converted, sum_squares: converted, conversion_rate: converted / persons, mean: converted / persons, cuped: null };
}

/** A results record as written before assignments and statistics (schema version 1): the counts only. */
export function legacyRecord(overrides: Partial<ResultsInput> = {}): ResultsInput {
  return {
    experiment_id: 'exp-1',
    experiment_name: 'Checkout button',
    version: 1,
    updated_at: 1_000_000,
    last_event_received_at: 999_000,
    variants: [
      { variant_id: 'control', variant_name: 'Control', unique_views: 1000, total_views: 1200, unique_clicks: 100, total_clicks: 110 },
      { variant_id: 'green', variant_name: 'Green', unique_views: 1000, total_views: 1300, unique_clicks: 120, total_clicks: 150 },
    ],
    data_quality: { clicks_on_unviewed_variants: 0 },
    ...overrides,
  };
}

/** A results record of the contract as the processor writes it before it has statistics (analysis null). */
export function contractRecord(overrides: Partial<ExperimentResults> = {}): ExperimentResults {
  const legacy = legacyRecord();
  const clicksOf = (variantId: string): number => legacy.variants.find((v) => v.variant_id === variantId)?.unique_clicks ?? 0;
  return {
    ...legacy,
    variants: legacy.variants.map((v) => ({ ...v, persons: 1000, allocation_weight: 1, metrics: [conversionMetric('click', clicksOf(v.variant_id), 1000)] })),
    data_quality: { clicks_on_unviewed_variants: 0, variant_switchers: 0 },
    control_variant_id: 'control',
    started_at: 1_000_000 - 3_600_000,
    status: 'collecting',
    status_reason: 'waiting for persons in at least two variants',
    analysis: null,
    backfill: null,
    counted_from: null,
    ...overrides,
  };
}

/** A series record: per variant, persons assigned and `click` conversions in the bucket. */
export function seriesRecord(bucketStart: number, variants: Array<{ id: string; persons: number; converted: number }>, granularity: SeriesResults['granularity'] = 'hour'): SeriesResults {
  return {
    experiment_id: 'exp-1',
    granularity,
    bucket_start: bucketStart,
    version: 1,
    updated_at: bucketStart + 1_000,
    variants: variants.map((v) => ({ variant_id: v.id, persons: v.persons, metrics: [{ metric_id: 'click', persons_converted: v.converted, event_count: v.converted, sum: v.converted }] })),
  };
}

export function comparison(variantId: string, overrides: Partial<ComparisonResult> = {}): ComparisonResult {
  const effect = { estimate: 0.2, std_error: 0.05, ci_lower: 0.1, ci_upper: 0.3, cs_lower: 0.05, cs_upper: 0.35 };
  return {
    variant_id: variantId,
    metric_id: 'click',
    metric_type: 'conversion',
    control: { n: 1000, mean: 0.1, std_dev: 0.3 },
    variant: { n: 1000, mean: 0.12, std_dev: 0.32 },
    absolute_difference: { ...effect, estimate: 0.02, ci_lower: 0.01, ci_upper: 0.03 },
    relative_lift: effect,
    welch_t: 2,
    welch_df: 1998,
    fixed_horizon_p_value: 0.04,
    sequential_p_value: 0.03,
    sequential_p_value_running_min: 0.03,
    sequential_p_value_adjusted: 0.03,
    sequential_significant: true,
    direction: 'increase',
    chance_to_beat_control: 0.98,
    risk_variant: 0.001,
    risk_control: 0.02,
    metric_role: 'primary',
    verdict: 'better',
    cs_conflict: false,
    guardrail_p_value: null,
    guardrail_p_value_running_min: null,
    guardrail_p_value_adjusted: null,
    cuped: null,
    ...overrides,
  };
}

export type Scenario = 'none' | 'collecting' | 'winner' | 'loser' | 'srm' | 'guardrail';

/** `checkout_errors` of green, a guardrail that regressed: +12%. */
export const CHECKOUT_ERRORS_FAILURE = { variant_id: 'green', metric_id: 'checkout_errors', relative_change: 0.12, absolute_change: 0.006, guardrail_p_value_adjusted: 0.002, summary: 'checkout_errors +12% in green' };

/** The guardrail comparison of the `guardrail` scenario: checkout errors 5% → 5.6%, worse. */
const checkoutErrors = comparison('green', {
  metric_id: 'checkout_errors',
  control: { n: 1000, mean: 0.05, std_dev: 0.218 },
  variant: { n: 1000, mean: 0.056, std_dev: 0.23 },
  absolute_difference: { estimate: 0.006, std_error: 0.001, ci_lower: 0.004, ci_upper: 0.008, cs_lower: 0.002, cs_upper: 0.01 },
  relative_lift: { estimate: 0.12, std_error: 0.02, ci_lower: 0.08, ci_upper: 0.16, cs_lower: 0.04, cs_upper: 0.2 },
  sequential_p_value_adjusted: null,
  sequential_significant: false,
  metric_role: 'guardrail',
  verdict: 'worse',
  guardrail_p_value: 0.001,
  guardrail_p_value_running_min: 0.001,
  guardrail_p_value_adjusted: 0.002,
});

/**
 * A parsed record of the given scenario: `none`, a record written before
 * statistics (no status, no analysis); else the contract's record with an
 * analysis that is collecting, has a winner or a loser, flags a
 * sample-ratio mismatch, or (`guardrail`) has a `checkout_errors` guardrail
 * that regressed in green while `click` would have declared it the winner.
 */
export function record(scenario: Scenario, overrides: Partial<ExperimentResults> = {}): ResultsRecord {
  if (scenario === 'none') return parseResultsRecord(legacyRecord(overrides));
  const base = contractRecord(overrides);
  const status = scenario === 'srm' ? 'invalid_srm' : scenario === 'guardrail' ? 'guardrail_failed' : scenario === 'collecting' ? 'collecting' : 'significant';
  const significant = scenario === 'winner' || scenario === 'loser';
  // The guardrail scenario's click is significant and better, but a failed guardrail names no winner.
  const clickSignificant = significant || scenario === 'guardrail';
  const direction = scenario === 'loser' ? 'decrease' : 'increase';
  return parseResultsRecord({
    ...base,
    status,
    status_reason: `scenario ${scenario}`,
    control_variant_id: 'control',
    analysis: {
      experiment_id: base.experiment_id,
      computed_at: base.updated_at,
      control_variant_id: 'control',
      runtime_ms: 3_600_000,
      alpha: 0.05,
      correction_method: 'holm',
      sequential_tuning_parameter: 5000,
      srm: {
        chi_square: scenario === 'srm' ? 30 : 0.1,
        df: 1,
        p_value: scenario === 'srm' ? 1e-8 : 0.7,
        sequential_p_value: scenario === 'srm' ? 1e-5 : 1,
        checked: true,
        flagged: scenario === 'srm',
        variants: [
          { variant_id: 'control', persons: 1000, expected_persons: 1000 },
          { variant_id: 'green', persons: 1000, expected_persons: 1000 },
        ],
      },
      comparisons: [
        comparison('green', {
          sequential_significant: clickSignificant,
          direction,
          chance_to_beat_control: scenario === 'loser' ? 0.01 : 0.98,
          verdict: !clickSignificant ? 'inconclusive' : scenario === 'loser' ? 'worse' : 'better',
        }),
        ...(scenario === 'guardrail' ? [checkoutErrors] : []),
      ],
      status,
      status_reason: `scenario ${scenario}`,
      guardrail_alpha: 0.05,
      guardrail_failures: scenario === 'guardrail' ? [CHECKOUT_ERRORS_FAILURE] : [],
      sequential_restart_reason: null,
      significant_result: significant ? { variant_id: 'green', metric_id: 'click', outcome: scenario === 'loser' ? 'loser' : 'winner', direction, sequential_p_value_adjusted: 0.03 } : null,
    },
  });
}

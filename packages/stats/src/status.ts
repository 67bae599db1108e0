/**
 * The experiment status, a pure function of the gates:
 *
 *   invalid_srm  the SRM check flagged (it overrides everything: results from
 *                a broken assignment cannot be trusted)
 *   collecting   minimum runtime not elapsed, a variant below the minimum
 *                persons, or no comparison significant after correction
 *   significant  otherwise; names the most significant comparison
 */
import type { ComparisonResult, ExperimentStatus, MetricConfig, SignificantResult, SrmResult } from './types';

export interface StatusInput {
  srm: SrmResult;
  srmThreshold: number;
  runtimeMs: number;
  minRuntimeMs: number;
  /** Exposed persons per variant id. */
  persons: ReadonlyArray<{ variantId: string; persons: number }>;
  minPersonsPerVariant: number;
  comparisons: readonly ComparisonResult[];
  metrics: readonly Required<MetricConfig>[];
  correction: string;
  alpha: number;
}

export interface StatusDecision {
  status: ExperimentStatus;
  status_reason: string;
  significant_result: SignificantResult | null;
}

function collecting(reason: string): StatusDecision {
  return { status: 'collecting', status_reason: reason, significant_result: null };
}

function mostSignificant(input: StatusInput): SignificantResult | null {
  let best: SignificantResult | null = null;
  for (const c of input.comparisons) {
    if (!c.sequential_significant || c.sequential_p_value_adjusted === null || c.direction === null) continue;
    if (best !== null && c.sequential_p_value_adjusted >= best.sequential_p_value_adjusted) continue;
    const inverse = input.metrics.find((m) => m.id === c.metric_id)?.inverse ?? false;
    best = {
      variant_id: c.variant_id,
      metric_id: c.metric_id,
      outcome: (c.direction === 'increase') !== inverse ? 'winner' : 'loser',
      direction: c.direction,
      sequential_p_value_adjusted: c.sequential_p_value_adjusted,
    };
  }
  return best;
}

export function decideStatus(input: StatusInput): StatusDecision {
  if (input.srm.flagged) {
    return {
      status: 'invalid_srm',
      status_reason:
        input.srm.p_value !== null && input.srm.p_value < input.srmThreshold
          ? `sample-ratio mismatch: chi-square p-value ${input.srm.p_value} < threshold ${input.srmThreshold}`
          : `sample-ratio mismatch detected at an earlier update (it stays flagged once detected); chi-square p-value now ${input.srm.p_value}`,
      significant_result: null,
    };
  }
  if (input.runtimeMs < input.minRuntimeMs) {
    return collecting(`minimum runtime not reached: ${input.runtimeMs} of ${input.minRuntimeMs} ms`);
  }
  const short = input.persons.filter((p) => p.persons < input.minPersonsPerVariant);
  if (short.length > 0) {
    const list = short.map((p) => `${p.variantId} has ${p.persons}`).join(', ');
    return collecting(`minimum persons per variant (${input.minPersonsPerVariant}) not reached: ${list}`);
  }
  const best = mostSignificant(input);
  if (best === null) {
    return collecting(`no comparison significant at alpha ${input.alpha} after ${input.correction} correction of the sequential p-values`);
  }
  return {
    status: 'significant',
    status_reason: `variant ${best.variant_id} is the ${best.outcome} on metric ${best.metric_id} (adjusted sequential p-value ${best.sequential_p_value_adjusted} < ${input.alpha})`,
    significant_result: best,
  };
}

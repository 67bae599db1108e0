/**
 * The experiment status, a pure function of the gates and the judged
 * comparisons (metric-roles.ts):
 *
 *   invalid_srm       the SRM check flagged (it overrides everything: results
 *                     from a broken assignment cannot be trusted)
 *   guardrail_failed  a guardrail metric regressed in some variant; it
 *                     overrides a winner, and is not held back by the minimum
 *                     runtime (its tests are anytime-valid, and a harm should
 *                     stop an experiment early)
 *   collecting        no primary metric (nothing can ever be significant, so
 *                     it says so before the runtime and persons gates), minimum
 *                     runtime not elapsed, a variant below the minimum persons,
 *                     or no primary comparison significant
 *   significant       otherwise; names the most significant primary comparison
 */
import type { ComparisonResult, ExperimentStatus, GuardrailFailure, SignificantResult, SrmResult } from './types';

export interface StatusInput {
  srm: SrmResult;
  srmThreshold: number;
  runtimeMs: number;
  minRuntimeMs: number;
  /** Exposed persons per variant id. */
  persons: ReadonlyArray<{ variantId: string; persons: number }>;
  minPersonsPerVariant: number;
  /** Judged comparisons (judgeComparisons). */
  comparisons: readonly ComparisonResult[];
  /** guardrailFailures(comparisons, metrics). */
  guardrailFailures: GuardrailFailure[];
  correction: string;
  alpha: number;
  guardrailAlpha: number;
}

export interface StatusDecision {
  status: ExperimentStatus;
  status_reason: string;
  significant_result: SignificantResult | null;
  guardrail_failures: GuardrailFailure[];
}

/** The start of the status reason of an experiment that names no primary metric. */
const NO_PRIMARY_METRIC = 'no primary metric: name one in primary_metrics';

const isPrimary = (c: ComparisonResult): boolean => (c.metric_role ?? 'primary') === 'primary';

function decided(status: ExperimentStatus, reason: string, failures: GuardrailFailure[], best: SignificantResult | null = null): StatusDecision {
  return { status, status_reason: reason, significant_result: best, guardrail_failures: failures };
}

function significantPrimaries(comparisons: readonly ComparisonResult[]): SignificantResult[] {
  return comparisons
    .flatMap((c) => {
      const p = c.sequential_p_value_adjusted;
      if (!isPrimary(c) || !c.sequential_significant || p === null || c.direction === null) return [];
      const outcome: SignificantResult['outcome'] = c.verdict === 'better' ? 'winner' : 'loser';
      return [{ variant_id: c.variant_id, metric_id: c.metric_id, outcome, direction: c.direction, sequential_p_value_adjusted: p }];
    })
    .sort((a, b) => a.sequential_p_value_adjusted - b.sequential_p_value_adjusted);
}

function srmReason(input: StatusInput): string {
  return (
    `sample-ratio mismatch: sequential SRM p-value ${input.srm.sequential_p_value} < threshold ${input.srmThreshold} ` +
    `(a running minimum, so the flag is permanent; chi-square p-value now ${input.srm.p_value}, informative only)`
  );
}

export function decideStatus(input: StatusInput): StatusDecision {
  const failures = input.guardrailFailures;
  if (input.srm.flagged) return decided('invalid_srm', srmReason(input), failures);
  if (failures.length > 0) {
    const list = failures.map((f) => f.summary).join('; ');
    return decided('guardrail_failed', `Guardrail failed: ${list} (one-sided sequential test, Holm-adjusted p < ${input.guardrailAlpha})`, failures);
  }
  if (!input.comparisons.some(isPrimary)) {
    return decided('collecting', `${NO_PRIMARY_METRIC}: only secondary and guardrail metrics, which never declare a winner`, failures);
  }
  if (input.runtimeMs < input.minRuntimeMs) {
    return decided('collecting', `minimum runtime not reached: ${input.runtimeMs} of ${input.minRuntimeMs} ms`, failures);
  }
  const short = input.persons.filter((p) => p.persons < input.minPersonsPerVariant);
  if (short.length > 0) {
    const list = short.map((p) => `${p.variantId} has ${p.persons}`).join(', ');
    return decided('collecting', `minimum persons per variant (${input.minPersonsPerVariant}) not reached: ${list}`, failures);
  }
  const [best, ...others] = significantPrimaries(input.comparisons);
  if (best === undefined) {
    return decided(
      'collecting',
      `no primary comparison significant at alpha ${input.alpha} after ${input.correction} correction of the sequential p-values`,
      failures,
    );
  }
  const also = others.map((o) => `${o.variant_id} ${o.outcome} on ${o.metric_id}`).join(', ');
  return decided(
    'significant',
    `variant ${best.variant_id} is the ${best.outcome} on metric ${best.metric_id} (adjusted sequential p-value ${best.sequential_p_value_adjusted} < ${input.alpha})` +
      (also === '' ? '' : `; also significant: ${also}`),
    failures,
    best,
  );
}

import { decideStatus, type StatusInput } from './status';
import type { ComparisonResult, GuardrailFailure, SrmResult } from './types';

const srm: SrmResult = { chi_square: 0, df: 1, p_value: 1, checked: true, flagged: false, variants: [], sequential_p_value: 1 };

function comparison(patch: Partial<ComparisonResult>): ComparisonResult {
  const empty = { estimate: null, std_error: null, ci_lower: null, ci_upper: null, cs_lower: null, cs_upper: null };
  return {
    variant_id: 'B',
    metric_id: 'm',
    metric_type: 'conversion',
    control: { n: 1000, mean: 0.1, std_dev: 0.3 },
    variant: { n: 1000, mean: 0.1, std_dev: 0.3 },
    absolute_difference: empty,
    relative_lift: empty,
    welch_t: null,
    welch_df: null,
    fixed_horizon_p_value: null,
    sequential_p_value: null,
    sequential_p_value_running_min: null,
    sequential_p_value_adjusted: null,
    sequential_significant: false,
    direction: null,
    chance_to_beat_control: null,
    risk_variant: null,
    risk_control: null,
    metric_role: 'primary',
    verdict: 'inconclusive',
    cs_conflict: false,
    guardrail_p_value: null,
    guardrail_p_value_running_min: null,
    guardrail_p_value_adjusted: null,
    cuped: null,
    ...patch,
  };
}

const failure: GuardrailFailure = {
  variant_id: 'B',
  metric_id: 'checkout_errors',
  relative_change: 0.12,
  absolute_change: 0.004,
  guardrail_p_value_adjusted: 0.001,
  summary: 'checkout_errors +12% in B',
};

const base: StatusInput = {
  srm,
  srmThreshold: 0.001,
  runtimeMs: 10,
  minRuntimeMs: 0,
  persons: [
    { variantId: 'A', persons: 1000 },
    { variantId: 'B', persons: 1000 },
  ],
  minPersonsPerVariant: 100,
  comparisons: [
    comparison({ metric_id: 'm', sequential_p_value_adjusted: 0.01, sequential_significant: true, direction: 'increase', verdict: 'better' }),
    comparison({ metric_id: 'k', sequential_p_value_adjusted: 0.001, sequential_significant: true, direction: 'increase', verdict: 'worse' }),
    comparison({ metric_id: 's', metric_role: 'secondary', sequential_p_value_adjusted: 1e-9, sequential_significant: true, direction: 'decrease', verdict: 'worse' }),
  ],
  guardrailFailures: [],
  correction: 'holm',
  alpha: 0.05,
  guardrailAlpha: 0.05,
};

describe('status > decision', () => {
  it('should name the primary comparison with the smallest adjusted p-value, as winner or loser by its verdict', () => {
    const decision = decideStatus(base);
    expect(decision).toMatchObject({
      status: 'significant',
      significant_result: { variant_id: 'B', metric_id: 'k', outcome: 'loser', direction: 'increase', sequential_p_value_adjusted: 0.001 },
    });
    expect(decision.status_reason).toMatch(/; also significant: B winner on m$/);
  });

  it('should never let a secondary metric set the status', () => {
    const secondaryOnly = { ...base, comparisons: base.comparisons.filter((c) => c.metric_role === 'secondary') };
    expect(decideStatus(secondaryOnly)).toMatchObject({ status: 'collecting', significant_result: null });
  });

  it('should say that no primary metric is named, before the runtime and persons gates', () => {
    const noPrimary = { ...base, comparisons: base.comparisons.map((c) => ({ ...c, metric_role: c.metric_id === 'k' ? ('guardrail' as const) : ('secondary' as const) })) };
    for (const input of [noPrimary, { ...noPrimary, runtimeMs: 0, minRuntimeMs: 100 }, { ...noPrimary, minPersonsPerVariant: 1001 }]) {
      const decision = decideStatus(input);
      expect(decision.status).toBe('collecting');
      expect(decision.status_reason).toMatch(/^no primary metric: name one in primary_metrics/);
    }
  });

  it('should let a guardrail failure override a winner, naming the metric and variant', () => {
    const decision = decideStatus({ ...base, guardrailFailures: [failure] });
    expect(decision.status).toBe('guardrail_failed');
    expect(decision.status_reason).toMatch(/^Guardrail failed: checkout_errors \+12% in B \(/);
    expect(decision.significant_result).toBeNull();
    expect(decision.guardrail_failures).toEqual([failure]);
  });

  it('should report a guardrail failure before the minimum runtime, but not over a sample-ratio mismatch', () => {
    expect(decideStatus({ ...base, guardrailFailures: [failure], runtimeMs: 0, minRuntimeMs: 100 }).status).toBe('guardrail_failed');
    expect(decideStatus({ ...base, guardrailFailures: [failure], srm: { ...srm, flagged: true } }).status).toBe('invalid_srm');
  });

  it('should let a flagged SRM override every other gate', () => {
    const decision = decideStatus({ ...base, srm: { ...srm, p_value: 0.3, sequential_p_value: 1e-6, flagged: true }, runtimeMs: 0, minRuntimeMs: 100 });
    expect(decision.status).toBe('invalid_srm');
    expect(decision.status_reason).toMatch(/sample-ratio mismatch: sequential SRM p-value 0.000001 < threshold 0.001 .*chi-square p-value now 0.3, informative only/);
  });

  it('should stay collecting while a gate is closed even with significant comparisons', () => {
    expect(decideStatus({ ...base, runtimeMs: 5, minRuntimeMs: 6 }).status).toBe('collecting');
    expect(decideStatus({ ...base, minPersonsPerVariant: 1001 }).status).toBe('collecting');
  });
});

import { decideStatus, type StatusInput } from './status';
import type { ComparisonResult, SrmResult } from './types';

const srm: SrmResult = { chi_square: 0, df: 1, p_value: 1, checked: true, flagged: false, variants: [] };

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
    ...patch,
  };
}

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
    comparison({ metric_id: 'm', sequential_p_value_adjusted: 0.01, sequential_significant: true, direction: 'increase' }),
    comparison({ metric_id: 'k', sequential_p_value_adjusted: 0.001, sequential_significant: true, direction: 'increase' }),
  ],
  metrics: [
    { id: 'm', type: 'conversion', inverse: false },
    { id: 'k', type: 'conversion', inverse: true },
  ],
  correction: 'holm',
  alpha: 0.05,
};

describe('status > decision', () => {
  it('should name the comparison with the smallest adjusted p-value, respecting inverse metrics', () => {
    expect(decideStatus(base)).toMatchObject({
      status: 'significant',
      significant_result: { variant_id: 'B', metric_id: 'k', outcome: 'loser', direction: 'increase', sequential_p_value_adjusted: 0.001 },
    });
  });

  it('should let a flagged SRM override every other gate', () => {
    const decision = decideStatus({ ...base, srm: { ...srm, p_value: 1e-6, flagged: true }, runtimeMs: 0, minRuntimeMs: 100 });
    expect(decision.status).toBe('invalid_srm');
    expect(decision.status_reason).toMatch(/sample-ratio mismatch: chi-square p-value 0.000001 < threshold 0.001/);
  });

  it('should stay collecting while a gate is closed even with significant comparisons', () => {
    expect(decideStatus({ ...base, runtimeMs: 5, minRuntimeMs: 6 }).status).toBe('collecting');
    expect(decideStatus({ ...base, minPersonsPerVariant: 1001 }).status).toBe('collecting');
  });
});

/**
 * The `analysis` of a results record: @abtest/stats' ExperimentResults
 * (analyzeExperiment), a record nested in the results schema.
 */
import { about, added, arrayOf, boolean, double, long, named, nullable, oneOf, record, string, timestamp } from './shape';

export const METRIC_TYPES = ['conversion', 'value'] as const;
export const DIRECTIONS = ['increase', 'decrease'] as const;
export const OUTCOMES = ['winner', 'loser'] as const;
export const EXPERIMENT_STATUSES = ['collecting', 'significant', 'invalid_srm', 'guardrail_failed'] as const;
export const METRIC_ROLES = ['primary', 'secondary', 'guardrail'] as const;
export const VERDICTS = ['better', 'worse', 'inconclusive'] as const;

export const nullableDouble = (doc?: string) => nullable(double(doc));

/** An estimate with its interval and confidence sequence at level 1 - alpha. */
const EFFECT = record('EffectResult', {
  estimate: nullableDouble(),
  std_error: nullableDouble(),
  ci_lower: nullableDouble(),
  ci_upper: nullableDouble(),
  cs_lower: nullableDouble(),
  cs_upper: nullableDouble(),
});

/** An estimate with its fixed-horizon interval only. */
const FIXED_HORIZON_EFFECT = record('FixedHorizonEffect', {
  estimate: nullableDouble(),
  std_error: nullableDouble(),
  ci_lower: nullableDouble(),
  ci_upper: nullableDouble(),
});

const CUPED = record('CupedResult', {
  theta: double('Cov(X, Y) / Var(X) over the persons of both arms, X the pre-exposure value; 0 when X or Y does not vary'),
  variance_reduction: nullableDouble('1 - Var(adjusted absolute difference) / Var(unadjusted absolute difference)'),
  raw_absolute_difference: about(FIXED_HORIZON_EFFECT, 'The unadjusted absolute difference with its Welch interval'),
  raw_relative_lift: about(named(FIXED_HORIZON_EFFECT), 'The unadjusted relative lift with its delta-method interval'),
  control_adjusted_mean: nullableDouble('Mean of Y - theta X in the control'),
  variant_adjusted_mean: nullableDouble('Mean of Y - theta X in the variant'),
});

const ARM = record('ArmResult', { n: long(), mean: nullableDouble(), std_dev: nullableDouble() });

const SRM = record('SrmResult', {
  chi_square: nullableDouble(),
  df: long(),
  p_value: nullableDouble(),
  checked: boolean('True once every variant has at least srmMinPersons persons'),
  flagged: boolean('checked and the sequential p-value < srmThreshold (before the sequential test: the chi-square p_value)'),
  variants: arrayOf(record('SrmVariant', { variant_id: string(), persons: long(), expected_persons: double() })),
  sequential_p_value: nullableDouble('Anytime-valid SRM p-value (Dirichlet-multinomial mixture, Lindon & Malek 2022), its running minimum; flagged when below the threshold'),
});

const COMPARISON = record('ComparisonResult', {
  variant_id: string(),
  metric_id: string(),
  metric_type: oneOf(METRIC_TYPES),
  control: ARM,
  variant: named(ARM),
  absolute_difference: about(EFFECT, 'variant mean - control mean'),
  relative_lift: about(named(EFFECT), '(variant mean - control mean) / control mean; null when the control mean is 0'),
  welch_t: nullableDouble(),
  welch_df: nullableDouble(),
  fixed_horizon_p_value: nullableDouble(),
  sequential_p_value: nullableDouble(),
  sequential_p_value_running_min: nullableDouble(),
  sequential_p_value_adjusted: nullableDouble('The running minimum after the Holm or Benjamini–Hochberg adjustment'),
  sequential_significant: boolean(),
  direction: nullable(oneOf(DIRECTIONS, 'null without a difference')),
  chance_to_beat_control: nullableDouble(),
  risk_variant: nullableDouble(),
  risk_control: nullableDouble(),
  metric_role: added(oneOf(METRIC_ROLES, 'primary metrics set the status; a guardrail regression fails it; secondary ones never set it'), 'primary', 'primary'),
  verdict: added(oneOf(VERDICTS, 'the conclusion in the metric’s role, respecting inverse'), 'inconclusive', 'inconclusive'),
  cs_conflict: added(boolean('An update’s confidence sequence was disjoint from the running intersection'), false, false),
  guardrail_p_value: nullableDouble('Guardrails: one-sided always-valid p-value of a regression at this update'),
  guardrail_p_value_running_min: nullableDouble('Guardrails: its running minimum'),
  guardrail_p_value_adjusted: nullableDouble('Guardrails: the running minimum, Holm-adjusted across guardrails × variants; a regression below guardrail_alpha'),
  cuped: about(nullable(CUPED), 'Set when the metric has CUPED on (and both arms two persons): every effect and test above is then CUPED-adjusted; null otherwise'),
});

const GUARDRAIL_FAILURE = record('GuardrailFailure', {
  variant_id: string(),
  metric_id: string(),
  relative_change: nullableDouble(),
  absolute_change: nullableDouble(),
  guardrail_p_value_adjusted: double(),
  summary: string('e.g. "checkout_errors +12% in B"'),
});

export const SIGNIFICANT_RESULT = record('SignificantResult', {
  variant_id: string(),
  metric_id: string(),
  outcome: oneOf(OUTCOMES),
  direction: oneOf(DIRECTIONS),
  sequential_p_value_adjusted: double(),
});

export const ANALYSIS = record(
  'ExperimentAnalysis',
  {
    experiment_id: string(),
    computed_at: timestamp(),
    control_variant_id: string(),
    runtime_ms: long(),
    alpha: double(),
    correction_method: oneOf(['holm', 'bh']),
    sequential_tuning_parameter: double('N*: the total sample size at which the confidence sequence is tightest'),
    srm: about(SRM, 'Sample-ratio mismatch check'),
    comparisons: about(arrayOf(COMPARISON), 'One per non-control variant and metric'),
    status: oneOf(EXPERIMENT_STATUSES),
    status_reason: string(),
    significant_result: about(nullable(SIGNIFICANT_RESULT), 'The most significant comparison when status is significant'),
    guardrail_alpha: added(double('Level of the one-sided guardrail regression tests'), 0.05, null),
    guardrail_failures: added(about(arrayOf(GUARDRAIL_FAILURE), 'Every guardrail regression; status guardrail_failed when not empty (unless SRM)'), [], []),
    sequential_restart_reason: nullable(string('Why the running minima and confidence-sequence intersections restarted at this update (alpha or tuning changed); null when carried over')),
  },
  { doc: 'The statistics of @abtest/stats (analyzeExperiment)' },
);

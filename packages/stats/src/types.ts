/**
 * Public input and output shapes. Inputs are camelCase TypeScript; the
 * results record is snake_case because it is written as an Avro record.
 * Every number in a result is finite or null: never NaN or Infinity.
 */

/** `conversion`: per-person value 0/1 (sum = persons converted, sumSquares = sum). `value`: any real per-person total. */
export type MetricType = 'conversion' | 'value';

/** Multiple-comparison adjustment over all (variant, metric) sequential p-values. */
export type CorrectionMethod = 'holm' | 'bh';

export type ExperimentStatus = 'collecting' | 'significant' | 'invalid_srm';

/** Sufficient statistics of one metric in one variant. */
export interface SufficientStatistics {
  /** Exposed persons (an integer ≥ 0). The same for every metric of a variant. */
  n: number;
  /** Sum over persons of their per-person metric totals. */
  sum: number;
  /** Sum over persons of their squared per-person totals. */
  sumSquares: number;
}

export interface VariantConfig {
  id: string;
  /** Allocation weight (> 0); weights are normalised, so 1/1 and 50/50 are the same. */
  weight: number;
}

export interface MetricConfig {
  id: string;
  type: MetricType;
  /** True when a decrease is the good outcome (e.g. bounce rate). Default false. */
  inverse?: boolean;
}

export interface ExperimentConfig {
  experimentId: string;
  /** At least two variants, including the control. */
  variants: VariantConfig[];
  controlVariantId: string;
  /** At least one metric. */
  metrics: MetricConfig[];
  /** Epoch milliseconds at which the experiment started. */
  startTime: number;
  /** Significance level, in (0, 0.5]. Default 0.05. */
  alpha?: number;
  /**
   * N*: the total sample size (control + variant persons) at which the
   * sequential confidence sequence is tightest. Default 5000, as in GrowthBook.
   */
  sequentialTuningParameter?: number;
  /** Default 'holm'. */
  correction?: CorrectionMethod;
  /** SRM flags when the chi-square p-value is below this. Default 0.001. */
  srmThreshold?: number;
  /** SRM is only checked once every variant has at least this many persons. Default 8. */
  srmMinPersons?: number;
  /** Status stays `collecting` before this much time has elapsed. Default 0. */
  minRuntimeMs?: number;
  /**
   * Status stays `collecting` until every variant has this many persons;
   * sequential p-values only enter the running minimum from then on. Default 100.
   */
  minPersonsPerVariant?: number;
}

export interface ExperimentInput {
  config: ExperimentConfig;
  /**
   * stats[variantId][metricId]. A missing variant or metric means no
   * exposures yet (n = 0); unknown ids are an input error.
   */
  stats: Record<string, Record<string, SufficientStatistics>>;
  /** Epoch milliseconds of this evaluation. */
  now: number;
}

/** An estimate with its fixed-horizon interval and sequential confidence sequence, all at level 1 - alpha. */
export interface EffectResult {
  estimate: number | null;
  std_error: number | null;
  ci_lower: number | null;
  ci_upper: number | null;
  cs_lower: number | null;
  cs_upper: number | null;
}

export interface ArmResult {
  n: number;
  mean: number | null;
  std_dev: number | null;
}

export interface ComparisonResult {
  variant_id: string;
  metric_id: string;
  metric_type: MetricType;
  control: ArmResult;
  variant: ArmResult;
  /** variant mean - control mean. */
  absolute_difference: EffectResult;
  /** (variant mean - control mean) / control mean, delta-method standard error; null when the control mean is 0. */
  relative_lift: EffectResult;
  welch_t: number | null;
  welch_df: number | null;
  /** Welch's t-test on the absolute difference. Valid only if looked at once, at a pre-planned sample size. */
  fixed_horizon_p_value: number | null;
  /** Always-valid p-value of the absolute difference at this update (not monotone by itself). */
  sequential_p_value: number | null;
  /** Minimum of sequential_p_value over the updates so far at which both arms had minPersonsPerVariant persons. */
  sequential_p_value_running_min: number | null;
  /** The running minimum after the Holm or Benjamini–Hochberg adjustment across all comparisons. */
  sequential_p_value_adjusted: number | null;
  /** sequential_p_value_adjusted < alpha. */
  sequential_significant: boolean;
  /** Sign of the current absolute difference. */
  direction: 'increase' | 'decrease' | null;
  /** Posterior probability that the variant is better than the control (flat prior, relative lift; respects `inverse`). */
  chance_to_beat_control: number | null;
  /** Expected loss, in relative-lift units, of shipping the variant if the control is in fact better. */
  risk_variant: number | null;
  /** Expected loss, in relative-lift units, of keeping the control if the variant is in fact better. */
  risk_control: number | null;
}

export interface SrmVariantResult {
  variant_id: string;
  persons: number;
  expected_persons: number;
}

export interface SrmResult {
  chi_square: number | null;
  df: number;
  p_value: number | null;
  /** True once every variant has at least srmMinPersons persons. */
  checked: boolean;
  /** checked and p_value < srmThreshold, at this update or an earlier one (with `previous`): SRM stays flagged once detected. */
  flagged: boolean;
  variants: SrmVariantResult[];
}

export interface SignificantResult {
  variant_id: string;
  metric_id: string;
  /** `winner` when the variant is better than the control (respecting `inverse`), `loser` otherwise. */
  outcome: 'winner' | 'loser';
  direction: 'increase' | 'decrease';
  sequential_p_value_adjusted: number;
}

export interface ExperimentResults {
  experiment_id: string;
  computed_at: number;
  control_variant_id: string;
  runtime_ms: number;
  alpha: number;
  correction_method: CorrectionMethod;
  sequential_tuning_parameter: number;
  srm: SrmResult;
  comparisons: ComparisonResult[];
  status: ExperimentStatus;
  status_reason: string;
  /** The most significant comparison when status is `significant`, else null. */
  significant_result: SignificantResult | null;
}

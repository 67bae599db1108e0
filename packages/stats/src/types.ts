/**
 * Public input and output shapes. Inputs are camelCase TypeScript; the
 * results record is snake_case because it is written as an Avro record.
 * Every number in a result is finite or null: never NaN or Infinity.
 */

/** `conversion`: per-person value 0/1 (sum = persons converted, sumSquares = sum). `value`: any real per-person total. */
export type MetricType = 'conversion' | 'value';

/** Multiple-comparison adjustment over all (variant, metric) sequential p-values. */
export type CorrectionMethod = 'holm' | 'bh';

/**
 * What a metric is for in an experiment. `primary`: decides the status
 * (Holm across primary metrics × variants). `secondary`: reported with
 * Benjamini–Hochberg q-values, never sets the status. `guardrail`: watched
 * for a regression (one-sided sequential test at `guardrailAlpha`), which
 * sets `guardrail_failed`.
 */
export type MetricRole = 'primary' | 'secondary' | 'guardrail';

export type ExperimentStatus = 'collecting' | 'significant' | 'guardrail_failed' | 'invalid_srm';

/**
 * A comparison's conclusion, respecting `inverse`: `better`/`worse` when
 * significant in its role's family (for guardrails: `worse` when a
 * regression is detected; a guardrail is never called `better`).
 */
export type Verdict = 'better' | 'worse' | 'inconclusive';

/**
 * CUPED's extra sums for one metric in one variant, over the same persons as
 * `n`: X is a person's pre-exposure value of the metric (0 for a person with
 * no activity before exposure, who is counted), Y the post-exposure value
 * whose sums are `sum` and `sumSquares`.
 */
export interface CupedStatistics {
  /** ΣX. */
  sumX: number;
  /** ΣX². */
  sumXSquares: number;
  /** ΣXY. */
  sumXY: number;
}

/** Sufficient statistics of one metric in one variant. */
export interface SufficientStatistics {
  /** Exposed persons (an integer ≥ 0). The same for every metric of a variant. */
  n: number;
  /** Sum over persons of their per-person metric totals. */
  sum: number;
  /** Sum over persons of their squared per-person totals. */
  sumSquares: number;
  /** Required (when n > 0) for a metric with `cuped: true`; ignored otherwise. */
  cuped?: CupedStatistics;
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
  /** Default `primary`: without roles every metric decides the status, as before roles existed. */
  role?: MetricRole;
  /**
   * Regression adjustment on each person's pre-exposure value of the metric
   * (CUPED, GrowthBook's estimator). Default false. When true every variant's
   * statistics must carry `cuped` once it has persons.
   */
  cuped?: boolean;
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
  /** Correction across primary metrics × variants. Default 'holm'. */
  correction?: CorrectionMethod;
  /**
   * Level of the one-sided guardrail regression tests, Holm-corrected across
   * guardrail metrics × variants. Default 0.05.
   */
  guardrailAlpha?: number;
  /** SRM flags when the anytime-valid (sequential) SRM p-value is below this. Default 0.001. */
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

/**
 * An estimate with its fixed-horizon interval and sequential confidence
 * sequence, all at level 1 - alpha. Once sequential monitoring has started
 * (both arms with minPersonsPerVariant persons), `cs_lower`/`cs_upper` are
 * the running intersection of the confidence sequences of every update so far.
 */
export interface EffectResult {
  estimate: number | null;
  std_error: number | null;
  ci_lower: number | null;
  ci_upper: number | null;
  cs_lower: number | null;
  cs_upper: number | null;
}

/** An estimate with its fixed-horizon (1 - alpha) interval only. */
export interface FixedHorizonEffect {
  estimate: number | null;
  std_error: number | null;
  ci_lower: number | null;
  ci_upper: number | null;
}

/**
 * What CUPED did to a comparison. The comparison's effects and tests are the
 * adjusted ones; the unadjusted figures are here for reference.
 */
export interface CupedResult {
  /** Cov(X, Y) / Var(X) over the persons of both arms of the comparison; 0 when Var(X) or Var(Y) is 0. */
  theta: number;
  /** 1 - Var(adjusted absolute difference) / Var(unadjusted absolute difference); null when the latter is 0 or undefined. */
  variance_reduction: number | null;
  /** The unadjusted absolute difference with its Welch interval (what the comparison reports without CUPED). */
  raw_absolute_difference: FixedHorizonEffect;
  /** The unadjusted relative lift with its delta-method interval. */
  raw_relative_lift: FixedHorizonEffect;
  /** Mean of Y - θX in the control. */
  control_adjusted_mean: number | null;
  /** Mean of Y - θX in the variant. */
  variant_adjusted_mean: number | null;
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
  /**
   * The running minimum adjusted within its role's family: primary metrics ×
   * variants with the configured correction (Holm by default), secondary
   * metrics × variants with Benjamini–Hochberg (a q-value); null for
   * guardrails (see guardrail_p_value_adjusted).
   */
  sequential_p_value_adjusted: number | null;
  /** sequential_p_value_adjusted < alpha. */
  sequential_significant: boolean;
  /**
   * The side of the intersected confidence sequence of the absolute
   * difference when it excludes 0 (it cannot flip without contradicting
   * earlier evidence), else the sign of the current difference.
   */
  direction: 'increase' | 'decrease' | null;
  /** Posterior probability that the variant is better than the control (flat prior, relative lift; respects `inverse`). */
  chance_to_beat_control: number | null;
  /** Expected loss, in relative-lift units, of shipping the variant if the control is in fact better. */
  risk_variant: number | null;
  /** Expected loss, in relative-lift units, of keeping the control if the variant is in fact better. */
  risk_control: number | null;
  // The fields below were added later: a `previous` record may lack them (PreviousExperimentResults).
  /** The metric's role (default primary). */
  metric_role: MetricRole;
  /** The comparison's conclusion in its role, respecting `inverse`. */
  verdict: Verdict;
  /**
   * True once an update's confidence sequence was disjoint from the running
   * intersection: the effect is not constant over time (or an event of
   * probability ≤ alpha happened). The intersection is then kept as it was.
   */
  cs_conflict: boolean;
  /** Guardrails only: one-sided always-valid p-value of a regression (a change in the harmful direction) at this update. */
  guardrail_p_value: number | null;
  /** Guardrails only: its running minimum since monitoring started. */
  guardrail_p_value_running_min: number | null;
  /** Guardrails only: the running minimum, Holm-adjusted across guardrail metrics × variants; a regression when < guardrail_alpha. */
  guardrail_p_value_adjusted: number | null;
  /**
   * Set when the metric has `cuped: true` and both arms have two persons:
   * then every effect, test and sequence above is CUPED-adjusted. Null otherwise.
   */
  cuped: CupedResult | null;
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
  /** checked and sequential_p_value < srmThreshold. The running minimum makes a flag permanent, and its lifetime false-alarm rate ≤ srmThreshold. */
  flagged: boolean;
  variants: SrmVariantResult[];
  /**
   * Anytime-valid SRM p-value (Dirichlet–multinomial mixture, Lindon & Malek
   * 2022): the running minimum over updates since checked; it restarts when
   * the weights change.
   */
  sequential_p_value: number | null;
}

/** A guardrail metric that regressed in a variant. */
export interface GuardrailFailure {
  variant_id: string;
  metric_id: string;
  /** Current relative change of the variant against the control; null when the control mean is 0. */
  relative_change: number | null;
  /** Current absolute change (variant mean - control mean). */
  absolute_change: number | null;
  guardrail_p_value_adjusted: number;
  /** e.g. "checkout_errors +12% in B". */
  summary: string;
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
  /** The most significant primary comparison when status is `significant`, else null. */
  significant_result: SignificantResult | null;
  // Added later: a `previous` record may lack them (PreviousExperimentResults).
  /** Level of the guardrail regression tests. */
  guardrail_alpha: number;
  /** Every guardrail regression (status `guardrail_failed` when not empty, unless SRM). */
  guardrail_failures: GuardrailFailure[];
  /**
   * Why the sequential state (running minima and confidence-sequence
   * intersections) restarted at this update, e.g. "alpha changed from 0.05
   * to 0.01"; null when it was carried over (or there was no previous update).
   */
  sequential_restart_reason: string | null;
}

/** The fields of `T` named `K` may be absent or null: records written before they existed. */
type Loosen<T, K extends keyof T> = Omit<T, K> & { [P in K]?: T[P] | null };

/**
 * The results of an earlier update as `analyzeExperiment` takes them back:
 * records written before metric roles, guardrails, the intersected
 * confidence sequences, the sequential SRM test and CUPED lack those fields
 * (or hold null where a reader filled in defaults).
 */
export type PreviousExperimentResults = Loosen<Omit<ExperimentResults, 'comparisons' | 'srm'>, 'guardrail_alpha' | 'guardrail_failures' | 'sequential_restart_reason'> & {
  comparisons: Array<
    Loosen<ComparisonResult, 'metric_role' | 'verdict' | 'cs_conflict' | 'guardrail_p_value' | 'guardrail_p_value_running_min' | 'guardrail_p_value_adjusted' | 'cuped'>
  >;
  srm: Loosen<SrmResult, 'sequential_p_value'>;
};

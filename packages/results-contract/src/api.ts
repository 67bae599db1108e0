/**
 * The shapes of the JSON API, as zod schemas: @abtest/results-view's view
 * functions return their inferred types, the results service's OpenAPI
 * document is generated from them (each `meta({ id })` becomes a
 * component), and the dashboard imports the types (entry
 * `@abtest/results-contract/api`: zod only, safe for the browser build).
 * Enumerations are the records' (records.ts, analysis.ts).
 */
import { z } from 'zod';
import { DIRECTIONS, OUTCOMES, METRIC_ROLES, METRIC_TYPES, VERDICTS } from './analysis';
import { experimentStatusSchema, GRANULARITIES, significantResultSchema } from './records';

const nullableNumber = z.number().nullable();

export const intervalSchema = z
  .object({ estimate: nullableNumber, lower: nullableNumber, upper: nullableNumber })
  .meta({ id: 'Interval', description: 'A point estimate with the bounds of its interval; all null when not estimable' });

export const statusSchema = experimentStatusSchema.meta({
  id: 'ExperimentStatus',
  description:
    'collecting: not enough evidence yet; significant: a primary comparison is significant after correction; guardrail_failed: a guardrail metric regressed in a variant (overrides a winner); invalid_srm: sample-ratio mismatch, results untrustworthy',
});

export const metricRoleSchema = z.enum(METRIC_ROLES).meta({
  id: 'MetricRole',
  description: 'primary: decides the status (winner or loser); secondary: reported with a Benjamini–Hochberg q-value, never sets the status; guardrail: only watched for a regression, which fails the experiment',
});

export const guardrailFailureViewSchema = z
  .object({
    variant_id: z.string(),
    metric_id: z.string(),
    relative_change: nullableNumber,
    absolute_change: nullableNumber,
    guardrail_p_value_adjusted: z.number(),
    summary: z.string().describe('e.g. "checkout_errors +12% in B"'),
  })
  .meta({ id: 'GuardrailFailure', description: 'A guardrail metric that regressed in a variant: one-sided sequential test, Holm-adjusted across guardrails × variants, below guardrail_alpha' });

export const headlineSchema = z
  .object({
    metric_id: z.string(),
    variant_id: z.string(),
    relative_lift: intervalSchema.describe('Relative lift of the variant over the control with its always-valid confidence sequence'),
    sequential_p_value_adjusted: nullableNumber,
    chance_to_beat_control: nullableNumber,
    outcome: z.enum(OUTCOMES).nullable(),
  })
  .meta({ id: 'Headline', description: 'The comparison that summarises the experiment: the significant one, else the most promising variant on the first metric' });

export const variantCountsSchema = z.object({
  variant_id: z.string(),
  variant_name: z.string(),
  unique_views: z.number(),
  unique_clicks: z.number(),
  unique_click_rate: nullableNumber.describe('unique_clicks / unique_views'),
});

export const backfillViewSchema = z
  .object({
    generation: z.number().describe('the state generation being built: 2, 3, …'),
    reason: z.string().describe('e.g. "definitions changed: metric big-basket" or "reprocess: fix attribution bug"'),
    started_at: z.iso.datetime(),
    events_read: z.number().describe('raw events the new generation has read so far'),
    events_total: z.number().describe('raw events it must read to catch up; grows with live traffic'),
    percent: z.number().describe('progress, 0–100 with one decimal'),
    eta_seconds: nullableNumber.describe('null until a rate is measured'),
  })
  .meta({ id: 'Backfill', description: "A state rebuild in progress: the processor reads the raw events topic again under a new generation (a backfill of changed definitions, or a reprocess); the experiment's figures are the live generation's until the rebuild takes over" });

export const experimentSummarySchema = z
  .object({
    experiment_id: z.string(),
    experiment_name: z.string(),
    status: statusSchema.nullable().describe('null until the processor publishes statistics'),
    status_reason: z.string().nullable(),
    version: z.number(),
    updated_at: z.number().describe('epoch ms of the results record'),
    age_ms: z.number().describe('time since updated_at when answered'),
    started_at: nullableNumber,
    last_event_received_at: z.number(),
    persons: z.number().describe('persons assigned to the variants (records without assignments: sum of unique views over variants)'),
    srm_flagged: z.boolean(),
    statistics_available: z.boolean(),
    headline: headlineSchema.nullable(),
    guardrail_failures: z.array(guardrailFailureViewSchema).describe('every guardrail regression; not empty when status is guardrail_failed'),
    variants: z.array(variantCountsSchema),
    backfill: backfillViewSchema.nullable().describe('null unless the processor is rebuilding its state'),
    counted_from: z.iso.datetime().nullable().describe("events before this time were past the raw topic's retention when the state was last rebuilt: the figures count from here; null: the whole history is counted"),
    history_note: z.string().nullable().describe('"counted from 2026-11-01: earlier events are past retention" when counted_from is set, else null'),
  })
  .meta({ id: 'ExperimentSummary' });

export const experimentListSchema = z.object({ generated_at: z.number(), experiments: z.array(experimentSummarySchema) }).meta({ id: 'ExperimentList' });

export const cupedViewSchema = z
  .object({
    variance_reduction: nullableNumber.describe('1 − Var(adjusted difference) / Var(raw difference): the share of the variance CUPED removed (the dashboard shows "CUPED: variance -X%")'),
    theta: nullableNumber.describe('θ, the regression coefficient of the post-exposure totals on the pre-exposure covariate, pooled over control and variant'),
    relative_lift_unadjusted: intervalSchema.describe('the relative lift without CUPED, fixed-horizon interval'),
  })
  .meta({ id: 'Cuped', description: 'CUPED variance reduction of a comparison: the intervals, p-values and chances of the comparison are the adjusted ones' });

export const comparisonViewSchema = z
  .object({
    relative_lift: intervalSchema.describe('fixed-horizon confidence interval'),
    relative_lift_sequential: intervalSchema.describe('always-valid confidence sequence, the running intersection of every update’s: the interval to read while the experiment runs'),
    absolute_difference: intervalSchema.describe('fixed-horizon confidence interval'),
    absolute_difference_sequential: intervalSchema.describe('always-valid confidence sequence (running intersection); it excludes 0 exactly when a primary or secondary comparison is significant'),
    metric_role: metricRoleSchema,
    verdict: z.enum(VERDICTS).describe('the conclusion in the metric’s role, respecting inverse metrics: better or worse than the control, else inconclusive (a guardrail is worse or inconclusive)'),
    adjusted_p_value: nullableNumber.describe('the p-value the verdict rests on, adjusted within the role’s family (see adjustment)'),
    adjustment: z
      .enum(['holm', 'bh', 'guardrail_holm'])
      .describe('primary: the experiment’s correction (Holm by default) of the sequential p-values; secondary: Benjamini–Hochberg q-value; guardrail: Holm across guardrails × variants of the one-sided regression p-values'),
    sequential_p_value_adjusted: nullableNumber.describe('two-sided sequential p-value adjusted within its role’s family (null for guardrails)'),
    guardrail_p_value_adjusted: nullableNumber.describe('guardrails: one-sided regression p-value, Holm-adjusted; null for other roles'),
    fixed_horizon_p_value: nullableNumber,
    chance_to_beat_control: nullableNumber,
    significant: z.boolean(),
    direction: z.enum(DIRECTIONS).nullable(),
    cs_conflict: z.boolean().describe('an update’s confidence sequence was disjoint from the running intersection: the effect drifts'),
    cuped: cupedViewSchema.nullable().describe('null when the metric has no CUPED window (or CUPED is not estimable yet)'),
  })
  .meta({ id: 'Comparison', description: 'A variant against the control on one metric' });

export const variantMetricViewSchema = z.object({
  metric_id: z.string(),
  metric_type: z.enum(METRIC_TYPES),
  persons: z.number().describe('persons assigned to the variant: the denominator of rate (unique views for records without assignments)'),
  persons_converted: nullableNumber,
  rate: nullableNumber.describe('conversion rate (conversion metrics) or mean per person (value metrics)'),
  comparison: comparisonViewSchema.nullable().describe('null for the control and while statistics are not available'),
});

export const variantRowSchema = z
  .object({
    variant_id: z.string(),
    variant_name: z.string(),
    is_control: z.boolean(),
    allocation_weight: nullableNumber,
    unique_views: z.number(),
    total_views: z.number(),
    unique_clicks: z.number(),
    total_clicks: z.number(),
    unique_click_rate: nullableNumber,
    total_click_rate: nullableNumber.describe('total_clicks / total_views'),
    metrics: z.array(variantMetricViewSchema),
  })
  .meta({ id: 'VariantRow' });

export const srmViewSchema = z
  .object({
    checked: z.boolean(),
    flagged: z.boolean().describe('checked and the sequential p-value below the SRM threshold'),
    sequential_p_value: nullableNumber.describe('anytime-valid SRM p-value (its running minimum): the one that decides flagged'),
    p_value: nullableNumber.describe('chi-square p-value at this update: informative only, not valid under continuous monitoring'),
    chi_square: nullableNumber,
    variants: z.array(z.object({ variant_id: z.string(), persons: z.number(), expected_persons: z.number(), share: nullableNumber, expected_share: nullableNumber })),
  })
  .meta({ id: 'Srm', description: 'Sample-ratio mismatch check: observed against configured allocation' });

export const statisticsViewSchema = z
  .object({
    available: z.boolean(),
    reason: z.string().nullable().describe('why statistics are not available, when they are not'),
    alpha: nullableNumber,
    correction_method: z.string().nullable(),
    guardrail_alpha: nullableNumber.describe('level of the one-sided guardrail regression tests'),
    computed_at: nullableNumber,
    srm: srmViewSchema.nullable(),
    sequential_restart_reason: z.string().nullable().describe('why the running minima and confidence-sequence intersections restarted at the latest update (alpha, N* or guardrail alpha changed); null when carried over'),
  })
  .meta({ id: 'Statistics' });

export const seriesPointSchema = z.object({
  t: z.number().describe('epoch ms: end of the bucket (or of the results record) the cumulative values are at'),
  persons: z.number(),
  converted: z.number(),
  rate: nullableNumber,
  lower: nullableNumber,
  upper: nullableNumber,
});

export const seriesViewSchema = z
  .object({
    source: z.enum(['series', 'results_history', 'none']).describe('series: the series topic; results_history: results records this instance has seen; none: nothing to draw yet'),
    description: z.string(),
    granularity: z.enum(GRANULARITIES).nullable(),
    metric_id: z.string().nullable(),
    interval: z.string().describe('what the band is'),
    variants: z.array(z.object({ variant_id: z.string(), variant_name: z.string(), points: z.array(seriesPointSchema) })),
  })
  .meta({ id: 'ConversionSeries', description: 'Cumulative conversion rate per variant over time with its confidence band' });

export const breakdownViewSchema = z
  .object({
    dimension: z.string(),
    metric_id: z.string().nullable(),
    segments: z.array(
      z.object({
        value: z.string(),
        updated_at: z.number(),
        variants: z.array(
          z.object({
            variant_id: z.string(),
            persons: z.number(),
            persons_converted: nullableNumber,
            rate: nullableNumber,
            relative_lift: intervalSchema.nullable().describe('against the control in the same segment, fixed-horizon 95% interval, not corrected for multiple comparisons'),
          }),
        ),
      }),
    ),
  })
  .meta({ id: 'Breakdown', description: 'The experiment per segment of one dimension (e.g. os: iOS, Android)' });

export const experimentDetailSchema = z
  .object({
    experiment: experimentSummarySchema,
    control_variant_id: z.string().nullable(),
    metrics: z.array(z.string()),
    metric_roles: z.array(z.object({ metric_id: z.string(), metric_role: metricRoleSchema })).describe('the role of each metric of `metrics` that has comparisons, in the same order'),
    selected_metric: z.string().nullable().describe('the metric of the series and breakdowns (query parameter `metric`, else the headline metric)'),
    variants: z.array(variantRowSchema),
    statistics: statisticsViewSchema,
    significant_result: significantResultSchema.nullable(),
    data_quality: z.object({ clicks_on_unviewed_variants: z.number(), variant_switchers: nullableNumber }),
    series: seriesViewSchema,
    breakdowns: z.array(breakdownViewSchema),
  })
  .meta({ id: 'ExperimentDetail' });

/** Every service's error answer: `{ error: { code, message, ...details } }` (@abtest/observability's errorBody). */
export const errorSchema = z.object({ error: z.looseObject({ code: z.string(), message: z.string() }) }).meta({ id: 'Error' });

export type IntervalView = z.output<typeof intervalSchema>;
export type MetricRole = z.output<typeof metricRoleSchema>;
export type GuardrailFailureView = z.output<typeof guardrailFailureViewSchema>;
export type Headline = z.output<typeof headlineSchema>;
export type BackfillView = z.output<typeof backfillViewSchema>;
export type ExperimentSummary = z.output<typeof experimentSummarySchema>;
export type ExperimentList = z.output<typeof experimentListSchema>;
export type ComparisonView = z.output<typeof comparisonViewSchema>;
export type VariantMetricView = z.output<typeof variantMetricViewSchema>;
export type CupedView = z.output<typeof cupedViewSchema>;
export type VariantRow = z.output<typeof variantRowSchema>;
export type SrmView = z.output<typeof srmViewSchema>;
export type StatisticsView = z.output<typeof statisticsViewSchema>;
export type SeriesView = z.output<typeof seriesViewSchema>;
export type SeriesPoint = z.output<typeof seriesPointSchema>;
export type BreakdownView = z.output<typeof breakdownViewSchema>;
export type ExperimentDetail = z.output<typeof experimentDetailSchema>;

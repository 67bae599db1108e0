/**
 * The records this package reads, as zod schemas: the results topic (the
 * `ExperimentResults` contract of @abtest/experiments) and the breakdown and
 * series topics beside it. Parsing is lenient with the results fields that
 * records written before them lack (assigned persons, metrics, statistics:
 * null or []) and strict where the views rely on a field (ids, counts,
 * versions).
 */
import type { BreakdownResults, ExperimentResults, SeriesResults } from '@abtest/experiments';
import { z } from 'zod';
import { RecordDecodeError } from './errors';

const count = z.number().int().nonnegative();
const nullableNumber = z.number().nullable();
const optionalNumber = z.number().nullish().transform((value) => value ?? null);
const metricType = z.enum(['conversion', 'value']);
export const experimentStatusSchema = z.enum(['collecting', 'significant', 'invalid_srm']);

const effectSchema = z.object({
  estimate: nullableNumber,
  std_error: optionalNumber,
  ci_lower: nullableNumber,
  ci_upper: nullableNumber,
  cs_lower: nullableNumber,
  cs_upper: nullableNumber,
});

const armSchema = z.object({ n: z.number(), mean: nullableNumber, std_dev: optionalNumber });

const comparisonSchema = z.object({
  variant_id: z.string(),
  metric_id: z.string(),
  metric_type: metricType,
  control: armSchema,
  variant: armSchema,
  absolute_difference: effectSchema,
  relative_lift: effectSchema,
  fixed_horizon_p_value: optionalNumber,
  sequential_p_value: optionalNumber,
  sequential_p_value_adjusted: nullableNumber,
  sequential_significant: z.boolean(),
  direction: z.enum(['increase', 'decrease']).nullable(),
  chance_to_beat_control: nullableNumber,
  risk_variant: optionalNumber,
  risk_control: optionalNumber,
});

const srmSchema = z.object({
  chi_square: nullableNumber,
  df: z.number(),
  p_value: nullableNumber,
  checked: z.boolean(),
  flagged: z.boolean(),
  variants: z.array(z.object({ variant_id: z.string(), persons: z.number(), expected_persons: z.number() })),
});

export const significantResultSchema = z.object({
  variant_id: z.string(),
  metric_id: z.string(),
  outcome: z.enum(['winner', 'loser']),
  direction: z.enum(['increase', 'decrease']),
  sequential_p_value_adjusted: z.number(),
});

/** The `analysis` field: @abtest/stats' ExperimentResults. */
export const analysisSchema = z.object({
  experiment_id: z.string(),
  computed_at: z.number(),
  control_variant_id: z.string(),
  runtime_ms: z.number(),
  alpha: z.number(),
  correction_method: z.string(),
  sequential_tuning_parameter: optionalNumber,
  srm: srmSchema,
  comparisons: z.array(comparisonSchema),
  status: experimentStatusSchema,
  status_reason: z.string(),
  significant_result: significantResultSchema.nullable(),
});

export const variantMetricSchema = z.object({
  metric_id: z.string(),
  metric_type: metricType,
  persons_converted: count,
  conversion_rate: optionalNumber,
  event_count: z.number().nullish(),
  sum: z.number(),
  mean: optionalNumber,
  sum_squares: z.number(),
});

/** A writer may encode the analysis as a nested record or as a JSON string: both are accepted. */
const jsonOrValue = (value: unknown): unknown => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
};

export const resultsRecordSchema = z.object({
  experiment_id: z.string().min(1),
  experiment_name: z.string(),
  version: z.number().int(),
  updated_at: z.number(),
  last_event_received_at: z.number(),
  variants: z.array(
    z.object({
      variant_id: z.string(),
      variant_name: z.string(),
      unique_views: count,
      total_views: count,
      unique_clicks: count,
      total_clicks: count,
      /** Persons assigned to the variant; null in records written before assignment (use unique_views then). */
      persons: count.nullish().transform((value) => value ?? null),
      allocation_weight: optionalNumber,
      metrics: z.array(variantMetricSchema).nullish().transform((value) => value ?? []),
    }),
  ),
  data_quality: z.object({ clicks_on_unviewed_variants: count, variant_switchers: z.number().nullish().transform((value) => value ?? null) }),
  control_variant_id: z.string().nullish().transform((value) => value ?? null),
  started_at: optionalNumber,
  status: experimentStatusSchema.nullish().transform((value) => value ?? null),
  status_reason: z.string().nullish().transform((value) => value ?? null),
  analysis: z.preprocess(jsonOrValue, analysisSchema.nullish().transform((value) => value ?? null)),
});

/** One record of the results topic as this package keeps it: absent optional fields are null, variant metrics []. */
export type ResultsRecord = z.output<typeof resultsRecordSchema>;
export type Analysis = z.output<typeof analysisSchema>;
export type Comparison = Analysis['comparisons'][number];
export type SignificantResult = z.output<typeof significantResultSchema>;
export type VariantMetricRecord = z.output<typeof variantMetricSchema>;
export type ExperimentStatus = z.output<typeof experimentStatusSchema>;

/** Topic `<results>-breakdowns`, key `<experiment_id>|<dimension>|<value>`. */
export const breakdownRecordSchema = z.object({
  experiment_id: z.string().min(1),
  dimension: z.string().min(1),
  value: z.string(),
  version: z.number().int(),
  updated_at: z.number(),
  variants: z.array(z.object({ variant_id: z.string(), persons: count, metrics: z.array(variantMetricSchema) })),
});
export type BreakdownRecord = z.output<typeof breakdownRecordSchema>;

/**
 * Topic `<results>-series`, key `<experiment_id>|<granularity>|<bucket_start>`:
 * what happened in one bucket of event time. Cumulative values are the
 * prefix sums over the buckets of a granularity.
 */
export const seriesRecordSchema = z.object({
  experiment_id: z.string().min(1),
  granularity: z.enum(['hour', 'day']),
  bucket_start: z.number(),
  version: z.number().int(),
  updated_at: z.number(),
  variants: z.array(
    z.object({
      variant_id: z.string(),
      /** Persons assigned in the bucket. */
      persons: count,
      metrics: z.array(
        z.object({
          metric_id: z.string(),
          /** Persons whose first counted event is in the bucket. */
          persons_converted: count,
          event_count: count,
          /** The change of the sum in the bucket. */
          sum: z.number(),
        }),
      ),
    }),
  ),
});
export type SeriesRecord = z.output<typeof seriesRecordSchema>;
export type Granularity = SeriesRecord['granularity'];

/**
 * Compile-time check that every record the contract of @abtest/experiments
 * allows parses: fails to typecheck when its ExperimentResults,
 * BreakdownResults or SeriesResults change in a way these schemas do not
 * accept.
 */
export type ContractAccepted<
  Results extends z.input<typeof resultsRecordSchema> = ExperimentResults,
  Breakdown extends z.input<typeof breakdownRecordSchema> = BreakdownResults,
  Series extends z.input<typeof seriesRecordSchema> = SeriesResults,
> = [Results, Breakdown, Series];

function parseWith<T>(schema: z.ZodType<T>, what: string, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new RecordDecodeError(`not a valid ${what} record: ${issues.join('; ')}`);
}

export const parseResultsRecord = (value: unknown): ResultsRecord => parseWith(resultsRecordSchema, 'results', value);
export const parseBreakdownRecord = (value: unknown): BreakdownRecord => parseWith(breakdownRecordSchema, 'breakdown', value);
export const parseSeriesRecord = (value: unknown): SeriesRecord => parseWith(seriesRecordSchema, 'series', value);

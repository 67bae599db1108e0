/**
 * The records of the three results topics, written down once (see shape.ts):
 * their Avro schemas (registered under `<topic>-value` with BACKWARD
 * compatibility), the types writers produce, and the parsers readers use.
 *
 * Evolve them compatibly: every field added to a schema gets a default
 * (`added`, `nullable`), so a reader with the new schema still reads the
 * records written before it; version 1 of the results schema is kept in
 * test/fixtures and tested against.
 */
import { z } from 'zod';
import { ANALYSIS, EXPERIMENT_STATUSES, METRIC_TYPES, nullableDouble, SIGNIFICANT_RESULT } from './analysis';
import { RecordDecodeError } from './errors';
import { about, added, arrayOf, count, double, id, long, nullable, oneOf, record, string, timestamp, withDefault } from './shape';

/** Every topic record is named in this namespace; the records nested in it inherit it. */
const NAMESPACE = 'abtest.results';
export const GRANULARITIES = ['hour', 'day'] as const;

const VERSION = long('Increases with every record of this key');
const UPDATED_AT = timestamp();

/** The figures of one metric over a group of persons (a variant, or a variant within a breakdown). */
const VARIANT_METRIC = record('VariantMetric', {
  metric_id: string(),
  metric_type: oneOf(METRIC_TYPES),
  persons_converted: count('Persons with at least one counted event'),
  event_count: count('Counted events (at or after the exposure)'),
  sum: double('Σ per-person totals (capped); for conversion metrics, persons_converted'),
  sum_squares: double('Σ squared per-person totals'),
  conversion_rate: nullableDouble('persons_converted / persons; null without persons'),
  mean: nullableDouble('sum / persons; null without persons'),
  cuped: nullable(
    record('CupedSums', {
      sum_x: double('Σ per-person covariates X: the metric over the CUPED window before each person’s exposure day (capped; 0/1 for conversions; 0 without activity)'),
      sum_x_squares: double('Σ X²'),
      sum_xy: double('Σ X·Y, Y the per-person total'),
    }),
  ),
});

/** A writer may encode the analysis as a nested record or, in JSON, as a JSON string: both are read. */
function jsonOrValue(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value; // not JSON: the record schema names the field as invalid
  }
}
const analysisField = about(nullable(ANALYSIS), 'null until two variants have persons');

/** A state rebuild in progress: the processor reads the raw events topic again under a new generation and hands the results topic over once it has caught up. */
const BACKFILL = record('Backfill', {
  generation: long('The state generation being built: 2, 3, …'),
  reason: string('Why, e.g. "definitions changed: metric big-basket" or "reprocess: fix attribution bug"'),
  started_at: timestamp('When the rebuild started'),
  events_read: count('Raw events the new generation has read so far'),
  events_total: count('Raw events it must read to catch up; grows with live traffic'),
  progress: double('events_read / events_total, in [0, 1]'),
  eta_seconds: nullableDouble('null until a rate is measured'),
});

/** Key experiment_id; the newest record per key is the experiment's current state. Version 1 had the counts only. */
const RESULTS = record(
  'ExperimentResults',
  {
    experiment_id: id(),
    experiment_name: string(),
    version: VERSION,
    updated_at: UPDATED_AT,
    last_event_received_at: timestamp('receivedAt of the newest event included, for freshness'),
    variants: arrayOf(
      record('VariantResults', {
        variant_id: string(),
        variant_name: string(),
        unique_views: count(),
        total_views: count(),
        unique_clicks: count(),
        total_clicks: count(),
        /** null when read from a record written before assignments: views then use unique_views. */
        persons: added(count('Persons assigned to the variant by their first exposure'), 0, null),
        allocation_weight: nullableDouble('Configured allocation weight, when the experiment is defined'),
        metrics: added(about(arrayOf(VARIANT_METRIC), 'Per metric, over the persons assigned to the variant'), [], []),
      }),
    ),
    data_quality: record('DataQuality', {
      clicks_on_unviewed_variants: withDefault(count(), 0),
      variant_switchers: added(count('Persons exposed in two or more variants (they stay in the first)'), 0, null),
    }),
    control_variant_id: nullable(string("The definition's control, else `control` if seen, else the first variant by id")),
    started_at: nullable(timestamp('First exposure (event time)')),
    status: added(oneOf(EXPERIMENT_STATUSES, 'null only in records written before statuses'), null, null),
    status_reason: added(string(), null, null),
    analysis: { ...analysisField, read: z.preprocess(jsonOrValue, analysisField.read) },
    backfill: about(
      nullable(BACKFILL),
      "While the processor rebuilds its state from the raw events topic (a backfill of changed definitions, or a reprocess), the rebuild's progress; null otherwise. The figures of this record are the live generation's until the rebuild takes over.",
    ),
    counted_from: nullable(timestamp("Events before this time were past the raw topic's retention when the state was last rebuilt: the figures count from here (null: the whole history is counted)")),
  },
  { namespace: NAMESPACE, doc: 'Live results of one experiment; the newest record per key (experiment_id) is the current state' },
);

/** Key `<experiment_id>|<dimension>|<value>`. */
const BREAKDOWN = record(
  'BreakdownResults',
  {
    experiment_id: id(),
    dimension: id('e.g. context.os.name, traits.plan'),
    value: string("The value at the person's first exposure; unknown when missing, other past the cap"),
    version: VERSION,
    updated_at: UPDATED_AT,
    variants: arrayOf(record('BreakdownVariant', { variant_id: string(), persons: count(), metrics: arrayOf(VARIANT_METRIC) })),
  },
  { namespace: NAMESPACE, doc: 'The experiment within one segment (dimension = value)' },
);

/** Key `<experiment_id>|<granularity>|<bucket_start>`. */
const SERIES = record(
  'SeriesResults',
  {
    experiment_id: id(),
    granularity: oneOf(GRANULARITIES),
    bucket_start: timestamp('UTC start of the bucket of event time'),
    version: VERSION,
    updated_at: UPDATED_AT,
    variants: arrayOf(
      record('SeriesVariant', {
        variant_id: string(),
        persons: count('Persons assigned in this bucket (by exposure time)'),
        metrics: arrayOf(
          record('SeriesMetric', {
            metric_id: string(),
            persons_converted: count('Persons whose first counted event is in this bucket'),
            event_count: count('Counted events in this bucket'),
            sum: double("The sum's change in this bucket"),
          }),
        ),
      }),
    ),
  },
  { namespace: NAMESPACE, doc: 'What happened in one bucket of event time; cumulative values are prefix sums over the buckets' },
);

export const RESULTS_AVRO_SCHEMA = RESULTS.avro;
export const BREAKDOWN_AVRO_SCHEMA = BREAKDOWN.avro;
export const SERIES_AVRO_SCHEMA = SERIES.avro;

/** What writers produce: the zod schemas of the current version (every field set). */
export const writeSchemas = { results: RESULTS.write, breakdown: BREAKDOWN.write, series: SERIES.write };
export const resultsRecordSchema = RESULTS.read;
export const breakdownRecordSchema = BREAKDOWN.read;
export const seriesRecordSchema = SERIES.read;
export const experimentStatusSchema = z.enum(EXPERIMENT_STATUSES);
export const significantResultSchema = SIGNIFICANT_RESULT.read;

/** One record of the results topic as the processor writes it. */
export type ExperimentResults = z.output<typeof RESULTS.write>;
export type BreakdownResults = z.output<typeof BREAKDOWN.write>;
export type SeriesResults = z.output<typeof SERIES.write>;
export type VariantMetric = z.output<typeof VARIANT_METRIC.write>;
export type CupedSums = NonNullable<VariantMetric['cuped']>;
export type BackfillProgress = NonNullable<ExperimentResults['backfill']>;
export type ExperimentAnalysis = z.output<typeof ANALYSIS.write>;
export type ExperimentStatusName = (typeof EXPERIMENT_STATUSES)[number];
export type Granularity = (typeof GRANULARITIES)[number];

/** One record of the results topic as a reader gets it, whatever version wrote it: fields added since are null (variant metrics []). */
export type ResultsRecord = z.output<typeof resultsRecordSchema>;
export type BreakdownRecord = z.output<typeof breakdownRecordSchema>;
export type SeriesRecord = z.output<typeof seriesRecordSchema>;
export type Analysis = NonNullable<ResultsRecord['analysis']>;
export type Comparison = Analysis['comparisons'][number];
export type SignificantResult = z.output<typeof significantResultSchema>;
export type VariantMetricRecord = z.output<typeof VARIANT_METRIC.read>;
/** What the parsers accept: the current records, and records written before parts of them existed. */
export type ResultsRecordInput = z.input<typeof resultsRecordSchema>;

/** How many wrong fields an error names: enough to see the pattern, short enough for a log line. */
const MAX_ISSUES = 5;

function parseWith<T>(schema: z.ZodType<T>, what: string, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, MAX_ISSUES).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new RecordDecodeError(`not a valid ${what} record: ${issues.join('; ')}`);
}

export const parseResultsRecord = (value: unknown): ResultsRecord => parseWith(resultsRecordSchema, 'results', value);
export const parseBreakdownRecord = (value: unknown): BreakdownRecord => parseWith(breakdownRecordSchema, 'breakdown', value);
export const parseSeriesRecord = (value: unknown): SeriesRecord => parseWith(seriesRecordSchema, 'series', value);

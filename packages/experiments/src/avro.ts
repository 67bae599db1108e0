/**
 * The Avro schemas of the three output topics, registered under
 * `<topic>-value` with BACKWARD compatibility. Evolve them compatibly: every
 * new field gets a default, so a reader with the new schema still reads the
 * records written before it.
 *
 * Conventions: counts are `long` (integers only, as avsc checks), sums and
 * statistics `double`; a number that may be missing is `["null", "double"]`
 * with default null; enumerations are strings with their values in `doc`
 * (a string can take a new value without a schema change; an Avro enum
 * cannot); timestamps are epoch ms, `long` with logicalType timestamp-millis.
 */

/** An Avro schema as JSON, as far as these schemas use it. */
export type AvroSchema = string | AvroNamedType | AvroArrayType | AvroLogicalType | Array<string | AvroNamedType | AvroLogicalType>;
export interface AvroField {
  name: string;
  type: AvroSchema;
  default?: unknown;
  doc?: string;
}
export interface AvroNamedType {
  type: 'record';
  name: string;
  namespace?: string;
  doc?: string;
  fields: AvroField[];
}
export interface AvroArrayType {
  type: 'array';
  items: AvroSchema;
}
export interface AvroLogicalType {
  type: 'long';
  logicalType: 'timestamp-millis';
}

const NAMESPACE = 'abtest.results';
const TIMESTAMP: AvroLogicalType = { type: 'long', logicalType: 'timestamp-millis' };

const field = (name: string, type: AvroSchema, doc?: string): AvroField => (doc === undefined ? { name, type } : { name, type, doc });
/** A field with a default: what a reader gets from records written without the field (every field added to a schema needs one). */
const withDefault = (base: AvroField, value: unknown): AvroField => ({ ...base, default: value });
/** A field that may be null, null by default. */
const nullable = (name: string, type: string | AvroNamedType | AvroLogicalType, doc?: string): AvroField => withDefault(field(name, ['null', type], doc), null);
const nullableDouble = (name: string, doc?: string): AvroField => nullable(name, 'double', doc);
const record = (name: string, fields: AvroField[], doc?: string): AvroNamedType => (doc === undefined ? { type: 'record', name, fields } : { type: 'record', name, doc, fields });
/** The record a topic's values are: named in the namespace every nested record inherits. */
const topicRecord = (name: string, doc: string, fields: AvroField[]): AvroNamedType => ({ type: 'record', name, namespace: NAMESPACE, doc, fields });
const arrayOf = (items: AvroSchema): AvroArrayType => ({ type: 'array', items });

/** The figures of one metric over a group of persons (a variant, or a variant within a breakdown). */
const VARIANT_METRIC = record('VariantMetric', [
  field('metric_id', 'string'),
  field('metric_type', 'string', 'conversion | value'),
  field('persons_converted', 'long', 'Persons with at least one counted event'),
  field('event_count', 'long', 'Counted events (at or after the exposure)'),
  field('sum', 'double', 'Σ per-person totals (capped); for conversion metrics, persons_converted'),
  field('sum_squares', 'double', 'Σ squared per-person totals'),
  nullableDouble('conversion_rate', 'persons_converted / persons; null without persons'),
  nullableDouble('mean', 'sum / persons; null without persons'),
]);

/** @abtest/stats' EffectResult: an estimate with its interval and confidence sequence at level 1 - alpha. */
const EFFECT = record('EffectResult', ['estimate', 'std_error', 'ci_lower', 'ci_upper', 'cs_lower', 'cs_upper'].map((name) => nullableDouble(name)));

/** @abtest/stats' ExperimentResults, the `analysis` of a results record. */
const ANALYSIS = record(
  'ExperimentAnalysis',
  [
    field('experiment_id', 'string'),
    field('computed_at', TIMESTAMP),
    field('control_variant_id', 'string'),
    field('runtime_ms', 'long'),
    field('alpha', 'double'),
    field('correction_method', 'string', 'holm | bh'),
    field('sequential_tuning_parameter', 'double', 'N*: the total sample size at which the confidence sequence is tightest'),
    field(
      'srm',
      record('SrmResult', [
        nullableDouble('chi_square'),
        field('df', 'long'),
        nullableDouble('p_value'),
        field('checked', 'boolean', 'True once every variant has at least srmMinPersons persons'),
        field('flagged', 'boolean', 'checked and p_value < srmThreshold'),
        field('variants', arrayOf(record('SrmVariant', [field('variant_id', 'string'), field('persons', 'long'), field('expected_persons', 'double')]))),
      ]),
      'Sample-ratio mismatch check',
    ),
    field(
      'comparisons',
      arrayOf(
        record('ComparisonResult', [
          field('variant_id', 'string'),
          field('metric_id', 'string'),
          field('metric_type', 'string', 'conversion | value'),
          field('control', record('ArmResult', [field('n', 'long'), nullableDouble('mean'), nullableDouble('std_dev')])),
          field('variant', 'ArmResult'),
          field('absolute_difference', EFFECT, 'variant mean - control mean'),
          field('relative_lift', 'EffectResult', '(variant mean - control mean) / control mean; null when the control mean is 0'),
          nullableDouble('welch_t'),
          nullableDouble('welch_df'),
          nullableDouble('fixed_horizon_p_value'),
          nullableDouble('sequential_p_value'),
          nullableDouble('sequential_p_value_running_min'),
          nullableDouble('sequential_p_value_adjusted', 'The running minimum after the Holm or Benjamini–Hochberg adjustment'),
          field('sequential_significant', 'boolean'),
          nullable('direction', 'string', 'increase | decrease; null without a difference'),
          nullableDouble('chance_to_beat_control'),
          nullableDouble('risk_variant'),
          nullableDouble('risk_control'),
        ]),
      ),
      'One per non-control variant and metric',
    ),
    field('status', 'string', 'collecting | significant | invalid_srm'),
    field('status_reason', 'string'),
    nullable(
      'significant_result',
      record('SignificantResult', [
        field('variant_id', 'string'),
        field('metric_id', 'string'),
        field('outcome', 'string', 'winner | loser'),
        field('direction', 'string', 'increase | decrease'),
        field('sequential_p_value_adjusted', 'double'),
      ]),
      'The most significant comparison when status is significant',
    ),
  ],
  'The statistics of @abtest/stats (analyzeExperiment)',
);

/** Fields every record of the three topics has after its key fields. */
const VERSION = field('version', 'long', 'Increases with every record of this key');
const UPDATED_AT = field('updated_at', TIMESTAMP);

/**
 * The results record (`ExperimentResults`, key experiment_id), registered
 * under `<results-topic>-value`. Version 1 had the counts only; every field
 * added since has a default.
 */
export const RESULTS_AVRO_SCHEMA = topicRecord('ExperimentResults', 'Live results of one experiment; the newest record per key (experiment_id) is the current state', [
  field('experiment_id', 'string'),
  field('experiment_name', 'string'),
  VERSION,
  UPDATED_AT,
  field('last_event_received_at', TIMESTAMP, 'receivedAt of the newest event included, for freshness'),
  field(
    'variants',
    arrayOf(
      record('VariantResults', [
        field('variant_id', 'string'),
        field('variant_name', 'string'),
        field('unique_views', 'long'),
        field('total_views', 'long'),
        field('unique_clicks', 'long'),
        field('total_clicks', 'long'),
        withDefault(field('persons', 'long', 'Persons assigned to the variant by their first exposure'), 0),
        nullableDouble('allocation_weight', 'Configured allocation weight, when the experiment is defined'),
        withDefault(field('metrics', arrayOf(VARIANT_METRIC), 'Per metric, over the persons assigned to the variant'), []),
      ]),
    ),
  ),
  field(
    'data_quality',
    record('DataQuality', [
      withDefault(field('clicks_on_unviewed_variants', 'long'), 0),
      withDefault(field('variant_switchers', 'long', 'Persons exposed in two or more variants (they stay in the first)'), 0),
    ]),
  ),
  nullable('control_variant_id', 'string', "The definition's control, else `control` if seen, else the first variant by id"),
  nullable('started_at', TIMESTAMP, 'First exposure (event time)'),
  nullable('status', 'string', 'collecting | significant | invalid_srm; null only in records written before statuses'),
  nullable('status_reason', 'string'),
  nullable('analysis', ANALYSIS, 'null until two variants have persons'),
]);

/** The breakdown record (`BreakdownResults`, key `<experiment_id>|<dimension>|<value>`), under `<results-topic>-breakdowns-value`. */
export const BREAKDOWN_AVRO_SCHEMA = topicRecord('BreakdownResults', 'The experiment within one segment (dimension = value)', [
  field('experiment_id', 'string'),
  field('dimension', 'string', 'e.g. context.os.name, traits.plan'),
  field('value', 'string', "The value at the person's first exposure; unknown when missing, other past the cap"),
  VERSION,
  UPDATED_AT,
  field('variants', arrayOf(record('BreakdownVariant', [field('variant_id', 'string'), field('persons', 'long'), field('metrics', arrayOf(VARIANT_METRIC))]))),
]);

/** The series record (`SeriesResults`, key `<experiment_id>|<granularity>|<bucket_start>`), under `<results-topic>-series-value`. */
export const SERIES_AVRO_SCHEMA = topicRecord('SeriesResults', 'What happened in one bucket of event time; cumulative values are prefix sums over the buckets', [
  field('experiment_id', 'string'),
  field('granularity', 'string', 'hour | day'),
  field('bucket_start', TIMESTAMP, 'UTC start of the bucket of event time'),
  VERSION,
  UPDATED_AT,
  field(
    'variants',
    arrayOf(
      record('SeriesVariant', [
        field('variant_id', 'string'),
        field('persons', 'long', 'Persons assigned in this bucket (by exposure time)'),
        field(
          'metrics',
          arrayOf(
            record('SeriesMetric', [
              field('metric_id', 'string'),
              field('persons_converted', 'long', 'Persons whose first counted event is in this bucket'),
              field('event_count', 'long', 'Counted events in this bucket'),
              field('sum', 'double', "The sum's change in this bucket"),
            ]),
          ),
        ),
      ]),
    ),
  ),
]);

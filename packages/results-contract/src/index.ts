/**
 * @abtest/results-contract — what the processor writes to the results
 * topics and what the results service and its dashboard read: the records
 * (types, Avro schemas and zod parsers from one definition), the topic
 * names, the registry serializer and decoder, and the API's JSON shapes.
 */
export { ResultsContractError, RecordDecodeError, IncompatibleSchemaError, SchemaRegistryError, type ResultsContractErrorOptions } from './errors';
export {
  RESULTS_AVRO_SCHEMA,
  BREAKDOWN_AVRO_SCHEMA,
  SERIES_AVRO_SCHEMA,
  GRANULARITIES,
  writeSchemas,
  resultsRecordSchema,
  breakdownRecordSchema,
  seriesRecordSchema,
  experimentStatusSchema,
  significantResultSchema,
  parseResultsRecord,
  parseBreakdownRecord,
  parseSeriesRecord,
  type ExperimentResults,
  type BreakdownResults,
  type SeriesResults,
  type VariantMetric,
  type CupedSums,
  type BackfillProgress,
  type ExperimentAnalysis,
  type ExperimentStatusName,
  type Granularity,
  type ResultsRecord,
  type BreakdownRecord,
  type SeriesRecord,
  type Analysis,
  type Comparison,
  type SignificantResult,
  type VariantMetricRecord,
  type ResultsRecordInput,
} from './records';
export { EXPERIMENT_STATUSES, METRIC_TYPES, DIRECTIONS, OUTCOMES } from './analysis';
export type { AvroSchema, AvroField, AvroNamedType, AvroArrayType, AvroLogicalType } from './shape';
export { resultsTopics, valueSubject, type ResultsTopics } from './topics';
export { createAvroSerializer, type ValueSerializer } from './serializer';
export { createValueDecoder, type AvroDecoder, type ValueDecoder } from './value-decoder';
export * as apiSchemas from './api';
export type {
  IntervalView,
  MetricRole,
  GuardrailFailureView,
  Headline,
  BackfillView,
  ExperimentSummary,
  ExperimentList,
  ComparisonView,
  VariantMetricView,
  CupedView,
  VariantRow,
  SrmView,
  StatisticsView,
  SeriesView,
  SeriesPoint,
  BreakdownView,
  ExperimentDetail,
} from './api';

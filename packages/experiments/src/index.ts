export { buildExperimentTopology, breakdownsTopicOf, seriesTopicOf, TOPOLOGY_DEFAULTS, type ExperimentTopologyOptions } from './topology';
export { toExperimentEvent, EXPOSURE_EVENT, CLICK_EVENT, type ExperimentEvent } from './events';
export { toResults, toBreakdown, toSeries, metricIdsOf, entriesOf, type ExperimentState, type CellsState } from './results';
export type { CellDelta, SeriesCellDelta } from './delta';
export type { ExperimentResults, BreakdownResults, SeriesResults, VariantCounts, VariantMetric, MetricFigures, ExperimentStatusName, Granularity } from './records';
export { RESULTS_STORE, BREAKDOWNS_STORE, SERIES_STORE, breakdownKey, seriesKey } from './results-processor';
export { RESULTS_AVRO_SCHEMA, BREAKDOWN_AVRO_SCHEMA, SERIES_AVRO_SCHEMA } from './avro';

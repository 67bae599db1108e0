export { buildExperimentTopology, type ExperimentTopologyOptions } from './topology';
export { toExperimentEvent, EXPOSURE_EVENT, CLICK_EVENT, type ExperimentEvent } from './events';
export { toResults, type ExperimentResults, type ExperimentState, type VariantCounts, type VariantMetric, type ExperimentStatusName } from './results';
export { RESULTS_STORE } from './results-processor';
export { RESULTS_AVRO_SCHEMA } from './avro';

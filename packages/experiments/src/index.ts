export { buildExperimentTopology, TOPOLOGY_DEFAULTS, type ExperimentTopologyOptions } from './topology';
export { toExperimentEvent, EXPOSURE_EVENT, CLICK_EVENT, type ExperimentEvent } from './events';
export { queryExperiment, type ExperimentSnapshot, type StoreQueries } from './queries';

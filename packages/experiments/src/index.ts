export { buildExperimentTopology, TOPOLOGY_DEFAULTS, type ExperimentTopologyOptions } from './topology';
export { toExperimentEvent, EXPOSURE_EVENT, CLICK_EVENT, type ExperimentEvent } from './events';
export { queryExperiment, type ExperimentSnapshot, type StoreQueries } from './queries';
export { FIRST_GENERATION, type Publication, type ResultsTopicKind } from './publication';
export { describeChanges, stateDigestOf, stateInputsOf, type StateInputs } from './state-inputs';
export { preloadIdentities, type IdentityPreloadOptions } from './identity-preload';

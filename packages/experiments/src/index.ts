export { buildExperimentTopology, TOPOLOGY_DEFAULTS, type ExperimentTopologyOptions } from './topology';
export { toExperimentEvent, EXPOSURE_EVENT, CLICK_EVENT, type ExperimentEvent } from './events';
export { toResults, toBreakdown, toSeries, metricIdsOf, entriesOf, type ExperimentState, type CellsState } from './results';
export type { CellDelta, SeriesCellDelta } from './delta';
export { RESULTS_STORE, BREAKDOWNS_STORE, SERIES_STORE, breakdownKey, seriesKey } from './results-processor';

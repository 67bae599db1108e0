export { loadConfig, ResultsConfigError, type ResultsConfig } from './config';
export { startResultsService, type ResultsService, type StartOptions } from './results-service';

export { loadConfig, ProcessorConfigError, type ProcessorConfig } from './config';
export { startProcessor, type RunningProcessor, type StartOptions } from './processor';

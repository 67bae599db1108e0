export { GenerationController, type BackfillShown, type GenerationControllerOptions, type GenerationRun, type GenerationRuntime, type StateInputsSource } from './controller';
export { GenerationsError } from './errors';
export { ProgressMeter, type RebuildProgress } from './progress';
export { applicationIdOf, generationsTopicOf, GENERATIONS_KEY, parseGenerationsRecord, REPROCESS_REQUEST_KEY, type Generation, type GenerationsRecord, type NextGeneration, type ReprocessRequest } from './record';
export type { VersionReader } from './published-versions';
export { reprocess, type ReprocessOptions } from './reprocess';

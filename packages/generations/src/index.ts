export { GenerationController, type BackfillShown, type GenerationControllerOptions, type GenerationRun, type GenerationRuntime, type StateInputsSource } from './controller';
export { GenerationsError } from './errors';
export { generationsTopicOf } from './record';
export { reprocess, type ReprocessOptions } from './reprocess';

import type { KeyValueStore, Processor, ProcessorContext, StoreKey, StreamRecord } from '@abtest/streams';
import { addDelta, toResults, type ExperimentDelta, type ExperimentState } from './results';

export const RESULTS_STORE = 'results';

/**
 * Experiment-partitioned stage: adds increments into the experiment's
 * state and forwards the whole results record (the sink keeps the newest per
 * experiment until the next commit).
 */
export class ResultsProcessor implements Processor<ExperimentDelta> {
  private context!: ProcessorContext;
  private results!: KeyValueStore<ExperimentState>;

  init(context: ProcessorContext): void {
    this.context = context;
    this.results = context.getStateStore(RESULTS_STORE);
  }

  prefetch(record: StreamRecord<ExperimentDelta>): StoreKey[] {
    return [{ store: RESULTS_STORE, key: record.value.experiment_id }];
  }

  process(record: StreamRecord<ExperimentDelta>): void {
    const delta = record.value;
    const current: ExperimentState = this.results.get(delta.experiment_id) ?? { experiment_id: delta.experiment_id, experiment_name: delta.experiment_name, variants: {}, last_received_at: 0, version: 0, updated_at: 0 };
    const next = addDelta(structuredClone(current), delta);
    next.version = current.version + 1;
    next.updated_at = Date.now();
    this.results.put(delta.experiment_id, next);
    this.context.forward({ key: delta.experiment_id, value: toResults(next) });
  }
}

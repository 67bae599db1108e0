import type { KeyValueStore, Processor, ProcessorContext, StoreKey, StreamRecord } from '@abtest/streams';
import { toExperimentEvent, type ExperimentEvent } from './events';
import { emptyCounts, type ExperimentDelta } from './results';

export const DEDUP_STORE = 'dedup';
export const PERSONS_STORE = 'persons';

/** Key of "this person has viewed (or clicked) this variant" in the persons store. */
const personSeenKey = (event: ExperimentEvent): string => `${event.kind}|${event.experimentId}|${event.variantId}|${event.person}`;

/**
 * Person-partitioned stage: drops resent events (same messageId within the
 * de-duplication window), decides whether a view or click is the person's
 * first for that variant, and forwards the increments keyed by experiment.
 */
export class ExposureProcessor implements Processor {
  private context!: ProcessorContext;
  private dedup!: KeyValueStore<number>;
  private persons!: KeyValueStore<1>;

  init(context: ProcessorContext): void {
    this.context = context;
    this.dedup = context.getStateStore(DEDUP_STORE);
    this.persons = context.getStateStore(PERSONS_STORE);
  }

  prefetch(record: StreamRecord): StoreKey[] {
    const event = toExperimentEvent(record.value);
    if (!event) return [];
    const keys: StoreKey[] = [{ store: PERSONS_STORE, key: personSeenKey(event) }];
    if (event.messageId) keys.push({ store: DEDUP_STORE, key: event.messageId });
    return keys;
  }

  process(record: StreamRecord): void {
    const event = toExperimentEvent(record.value);
    if (!event) return;
    if (event.messageId) {
      if (this.dedup.get(event.messageId) !== undefined) return;
      this.dedup.put(event.messageId, record.timestamp);
    }
    const seenKey = personSeenKey(event);
    const first = this.persons.get(seenKey) === undefined;
    if (first) this.persons.put(seenKey, 1);
    const counts = emptyCounts(event.variantName);
    if (event.kind === 'view') {
      counts.total_views = 1;
      counts.unique_views = first ? 1 : 0;
    } else {
      counts.total_clicks = 1;
      counts.unique_clicks = first ? 1 : 0;
    }
    const delta: ExperimentDelta = { experiment_id: event.experimentId, experiment_name: event.experimentName, variants: { [event.variantId]: counts }, last_received_at: event.receivedAt };
    this.context.forward({ key: event.experimentId, value: delta });
  }
}

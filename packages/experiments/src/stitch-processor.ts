import type { KeyValueStore, Processor, ProcessorContext, StoreKey, StreamRecord } from '@abtest/streams';
import type { Json } from './events';
import type { ByUserRecord } from './ingest-processor';

export const IDENTITIES_STORE = 'identities';
export const PENDING_STORE = 'pending';
/** Bounds one userId's pending events (a server sending for a user never linked). */
export const MAX_PENDING_EVENTS = 500;

interface Pending {
  /** arrival (record timestamp) */
  a: number;
  e: Json;
}

/**
 * userId-partitioned stage: remembers the first anonymousId linked to each
 * userId and re-keys userId-only events to it (their person), so they reach
 * the attribution stage's partition of that person. An event that arrives
 * before its link goes to the userId as its own person at once, and is
 * remembered for the grace period: a link arriving within it sends the
 * event to the linked person too.
 */
export class StitchProcessor implements Processor<ByUserRecord> {
  private context!: ProcessorContext;
  private identities!: KeyValueStore<string>;
  private pending!: KeyValueStore<Pending[]>;

  constructor(private readonly graceMs: number) {}

  init(context: ProcessorContext): void {
    this.context = context;
    this.identities = context.getStateStore(IDENTITIES_STORE);
    this.pending = context.getStateStore(PENDING_STORE);
  }

  prefetch(record: StreamRecord<ByUserRecord>): StoreKey[] {
    return record.key === null ? [] : [{ store: IDENTITIES_STORE, key: record.key }, { store: PENDING_STORE, key: record.key }];
  }

  process(record: StreamRecord<ByUserRecord>): void {
    const userId = record.key;
    if (userId === null) return;
    const known = this.identities.get(userId);
    const horizon = record.timestamp - this.graceMs;
    const pending = (this.pending.get(userId) ?? []).filter((p) => p.a >= horizon);
    if ('link' in record.value) {
      if (known !== undefined) return;
      this.identities.put(userId, record.value.link);
      for (const { a, e } of pending) this.context.forward({ key: record.value.link, value: e, timestamp: a });
      this.pending.delete(userId);
      return;
    }
    const event = record.value.event;
    this.context.forward({ key: known ?? userId, value: event });
    if (known !== undefined) return;
    pending.push({ a: record.timestamp, e: event });
    this.pending.put(userId, pending.slice(-MAX_PENDING_EVENTS));
  }
}

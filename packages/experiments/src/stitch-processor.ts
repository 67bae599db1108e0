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

/** A userId's identity fixed before a rebuild: its earliest link (person `p`) and that link's arrival `a`. */
interface FixedIdentity {
  p: string;
  a: number;
}

/**
 * userId-partitioned stage: remembers the first anonymousId linked to each
 * userId and re-keys userId-only events to it (their person), so they reach
 * the attribution stage's partition of that person. An event that arrives
 * before its link goes to the userId as its own person at once, and is
 * remembered for the grace period: a link arriving within it sends the
 * event to the linked person too.
 *
 * "First" is the order links are processed in: the arrival order, live. A
 * rebuild reads the partitions in parallel, so before it starts its
 * identities are fixed (identity-preload.ts): the earliest link of each
 * userId by arrival, with its arrival time. Against a fixed identity each
 * event is routed as live processing in arrival order routed it: after the
 * link, to the linked person; up to the grace period before it, to the
 * userId and the linked person; earlier, to the userId alone.
 */
export class StitchProcessor implements Processor<ByUserRecord> {
  private context!: ProcessorContext;
  private identities!: KeyValueStore<string | FixedIdentity>;
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
    if ('identity' in record.value) {
      if (typeof known !== 'object' || record.value.a < known.a) this.identities.put(userId, { p: record.value.identity, a: record.value.a });
      return;
    }
    if (typeof known === 'object') {
      if ('event' in record.value) this.routeByFixedIdentity(userId, known, record.value.event, record.timestamp);
      return;
    }
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

  private routeByFixedIdentity(userId: string, identity: FixedIdentity, event: Json, arrival: number): void {
    if (identity.a <= arrival) {
      this.context.forward({ key: identity.p, value: event });
      return;
    }
    this.context.forward({ key: userId, value: event });
    if (identity.a <= arrival + this.graceMs) this.context.forward({ key: identity.p, value: event, timestamp: arrival });
  }
}

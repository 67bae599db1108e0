import type { KeyValueStore, Processor, ProcessorContext, StoreKey, StreamRecord } from '@abtest/streams';
import { personKey } from '@abtest/segment';
import { identityLink, isObject, text, type Json } from './events';

export const DEDUP_STORE = 'dedup';
export const LINKS_STORE = 'links';
/** Child names: events already keyed by their canonical person, and what the by-user stage resolves. */
export const TO_ATTRIBUTION = 'attribution';
export const TO_BY_USER = 'by-user-sink';

/**
 * A record of the by-user repartition topic (key: userId): a link, an event
 * carrying only the userId, or the userId's identity fixed before a rebuild
 * (its earliest link by arrival `a`, see identity-preload.ts).
 */
export type ByUserRecord = { link: string } | { event: Json } | { identity: string; a: number };

/**
 * The de-duplication key of an event: its person (anonymousId, else userId:
 * the record key) and its messageId. A resend of an event keeps its person,
 * so it is dropped; one messageId sent for different persons (a client bug)
 * counts once per person, wherever the persons' partitions are. The
 * messageId's length comes first, so no two pairs share a key.
 */
export function dedupKey(event: Json): string | undefined {
  const messageId = text(event.messageId);
  const person = personKey(event);
  return messageId === undefined || person === undefined ? undefined : `${messageId.length}:${messageId}${person}`;
}

/**
 * Source-partitioned stage (key: anonymousId, else userId): drops resent
 * events (same person and messageId within the de-duplication window), announces
 * identity links to the by-user stage once per (anonymousId, userId), and
 * sends events that carry only a userId there to find their person.
 */
export class IngestProcessor implements Processor<Json> {
  private context!: ProcessorContext;
  private dedup!: KeyValueStore<number>;
  private links!: KeyValueStore<string>;
  /** Each event's de-duplication key, built once for prefetch and process (the same string object then hashes once); cleared with the batch. */
  private readonly keys = new Map<object, string | undefined>();

  init(context: ProcessorContext): void {
    this.context = context;
    this.dedup = context.getStateStore(DEDUP_STORE);
    this.links = context.getStateStore(LINKS_STORE);
  }

  prefetch(record: StreamRecord<Json>): StoreKey[] {
    const event = record.value;
    if (!isObject(event)) return [];
    const wanted: StoreKey[] = [];
    const messageKey = dedupKey(event);
    this.keys.set(event, messageKey);
    if (messageKey !== undefined) wanted.push({ store: DEDUP_STORE, key: messageKey });
    const link = identityLink(event);
    if (link) wanted.push({ store: LINKS_STORE, key: link.anonymousId });
    return wanted;
  }

  process(record: StreamRecord<Json>): void {
    const event = record.value;
    if (!isObject(event)) return;
    const messageKey = this.keys.has(event) ? this.keys.get(event) : dedupKey(event);
    if (messageKey !== undefined) {
      if (this.dedup.get(messageKey) !== undefined) return;
      this.dedup.put(messageKey, record.timestamp);
    }
    const link = identityLink(event);
    if (link && this.links.get(link.anonymousId) !== link.userId) {
      this.links.put(link.anonymousId, link.userId);
      this.context.forward<ByUserRecord>({ key: link.userId, value: { link: link.anonymousId } }, TO_BY_USER);
    }
    const anonymousId = text(event.anonymousId);
    const userId = text(event.userId);
    if (anonymousId) this.context.forward({ key: anonymousId, value: event }, TO_ATTRIBUTION);
    else if (userId) this.context.forward<ByUserRecord>({ key: userId, value: { event } }, TO_BY_USER);
  }

  endBatch(): void {
    this.keys.clear();
  }
}

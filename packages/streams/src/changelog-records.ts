import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { StreamsError } from './errors';
import type { StoreChange } from './task-state';
import type { StoreDefinition } from './topology';

export const EXPIRE_AT_HEADER = 'x-expire-at';
/** Marks a changelog record that holds many entries (stores with a retention). */
export const BATCH_HEADER = 'x-changelog-batch';
/** Bytes of entries per batch record; internal topics accept records twice as large. */
const MAX_BATCH_BYTES = 512 * 1024;

type BatchEntry = [key: string, value: string | null, expireAt: number];

/**
 * The changelog records of one commit's changes to one store.
 *
 * A store without retention writes one record per key to a compacted topic,
 * so compaction keeps the newest value of each key (Kafka Streams' layout).
 * A store with retention (every entry expires `retentionMs` after its last
 * put) writes its changes in a few batch records to a topic with time
 * retention instead: a batch record is written when its entries are, so the
 * topic keeps it as long as any entry in it can still be alive, and replaying
 * the retained log in order rebuilds the store. A de-duplication store then
 * costs a few records per commit, not one per event. `batchKey` must be
 * unique (older changelogs of such stores are `compact,delete`).
 */
export function changelogRecords(store: StoreDefinition, changes: StoreChange[], partition: number, batchKey: (index: number) => string): Message[] {
  if (!store.retentionMs) return changes.map((change) => ({ key: change.key, value: change.value, partition, headers: expireHeaders(change.expireAt) }));
  const messages: Message[] = [];
  let entries: BatchEntry[] = [];
  let bytes = 0;
  const flush = () => {
    messages.push({ key: batchKey(messages.length), value: JSON.stringify(entries), partition, headers: { [BATCH_HEADER]: '1' } });
    [entries, bytes] = [[], 0];
  };
  for (const { key, value, expireAt } of changes) {
    entries.push([key, value, expireAt]);
    bytes += key.length + (value?.length ?? 0) + 24;
    if (bytes >= MAX_BATCH_BYTES) flush();
  }
  if (entries.length > 0) flush();
  return messages;
}

/** The store entries of one changelog record (either layout). */
export function changesOfRecord(store: string, message: Pick<KafkaMessage, 'key' | 'value' | 'headers' | 'offset'>): StoreChange[] {
  if (message.key === null) return [];
  if (message.headers?.[BATCH_HEADER] === undefined) {
    const expireAt = message.headers?.[EXPIRE_AT_HEADER];
    return [{ store, key: message.key.toString(), value: message.value === null ? null : message.value.toString(), expireAt: expireAt ? Number(expireAt.toString()) : 0 }];
  }
  const entries: unknown = message.value === null ? null : JSON.parse(message.value.toString());
  if (!Array.isArray(entries)) throw new StreamsError(`changelog batch record at offset ${message.offset} of store "${store}" holds no entry list`);
  return (entries as BatchEntry[]).map(([key, value, expireAt]) => ({ store, key, value, expireAt }));
}

const expireHeaders = (expireAt: number): IHeaders | undefined => (expireAt === 0 ? undefined : { [EXPIRE_AT_HEADER]: String(expireAt) });

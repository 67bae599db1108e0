import type { Message, TopicMessages } from 'kafkajs';

/**
 * Bounds of one produce request of a commit. kafkajs writes one record batch
 * per partition and request, and the broker checks each batch against the
 * topic's max.message.bytes (internal topics allow INTERNAL_TOPIC_MAX_MESSAGE_BYTES).
 * The record bound was 1,000 while kafkajs grouped a send by partition in
 * quadratic time (fixed in patches/kafkajs+2.2.4.patch); the byte bound now
 * decides for most commits.
 */
export const MAX_SEND_BYTES = 1024 * 1024;
const MAX_SEND_RECORDS = 10_000;
/** Per-record overhead estimate on top of key and value bytes. */
const RECORD_OVERHEAD_BYTES = 32;

/** Splits the commit's records into produce requests of at most MAX_SEND_BYTES and MAX_SEND_RECORDS. */
export function chunkBySize(topicMessages: TopicMessages[]): TopicMessages[][] {
  const chunks: TopicMessages[][] = [];
  let current: TopicMessages[] = [];
  let bytes = 0;
  let records = 0;
  for (const { topic, messages } of topicMessages) {
    let slice: Message[] = [];
    for (const message of messages) {
      const size = sizeOf(message.key) + sizeOf(message.value) + RECORD_OVERHEAD_BYTES;
      if ((bytes + size > MAX_SEND_BYTES || records === MAX_SEND_RECORDS) && records > 0) {
        if (slice.length > 0) current.push({ topic, messages: slice });
        chunks.push(current);
        [current, slice, bytes, records] = [[], [], 0, 0];
      }
      slice.push(message);
      bytes += size;
      records += 1;
    }
    if (slice.length > 0) current.push({ topic, messages: slice });
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

const sizeOf = (value: Message['key'] | Message['value']): number => (value === null || value === undefined ? 0 : typeof value === 'string' ? Buffer.byteLength(value) : value.length);

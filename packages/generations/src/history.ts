import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';

/** Where a rebuild of the raw topic starts, and whether history was lost to retention before it. */
export interface RetainedHistory {
  /** Log start offset per partition. */
  startOffsets: Record<string, string>;
  /**
   * The newest first-retained timestamp among partitions that lost records to
   * retention (from then on every partition is whole); null when none did.
   */
  countedFrom: number | null;
}

const FIRST_RECORDS_DEADLINE_MS = 30_000;

export async function retainedHistory(kafka: Kafka, admin: Admin, topic: string): Promise<RetainedHistory> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const startOffsets = Object.fromEntries(offsets.map((p) => [String(p.partition), p.low]));
  const truncated = offsets.filter((p) => BigInt(p.low) > 0n && BigInt(p.low) < BigInt(p.high)).map((p) => p.partition);
  if (truncated.length === 0) return { startOffsets, countedFrom: null };
  const firsts = await firstTimestamps(kafka, admin, topic, new Set(truncated));
  return { startOffsets, countedFrom: Math.max(...firsts.values()) };
}

/**
 * The timestamp of the first retained record of each partition. kafkajs
 * cannot assign partitions, so a throwaway consumer group reads from the
 * log start and stops at the first record of every partition asked for.
 */
async function firstTimestamps(kafka: Kafka, admin: Admin, topic: string, partitions: Set<number>): Promise<Map<number, number>> {
  const groupId = `retained-history-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: false, allowAutoTopicCreation: false, maxBytesPerPartition: 64 * 1024 });
  const found = new Map<number, number>();
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`could not read the first retained record of ${topic} within ${FIRST_RECORDS_DEADLINE_MS} ms`)), FIRST_RECORDS_DEADLINE_MS);
      void consumer
        .run({
          eachBatch: async ({ batch }) => {
            const first = batch.messages[0];
            if (first && partitions.has(batch.partition) && !found.has(batch.partition)) found.set(batch.partition, Number(first.timestamp));
            if (found.size === partitions.size) {
              clearTimeout(deadline);
              resolve();
            }
            consumer.pause([{ topic, partitions: [batch.partition] }]);
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  return found;
}

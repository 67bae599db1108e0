import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { identityLink, isObject, type Json } from './events';
import type { ByUserRecord } from './ingest-processor';

export interface IdentityPreloadOptions {
  kafka: Kafka;
  admin: Admin;
  eventsTopic: string;
  /** The new generation's by-user repartition topic (it exists, empty). */
  byUserTopic: string;
  /** Called every few thousand records; the preload stops (throws) when it answers false. */
  keepAlive(): Promise<boolean>;
}

const PRODUCE_BATCH = 1_000;
const KEEP_ALIVE_EVERY = 5_000;

/**
 * Fixes the identities of a rebuild before it starts (see StitchProcessor):
 * reads the raw topic up to its current end, keeps each userId's earliest
 * link by arrival (record timestamp; ties: the first read), and writes them
 * to the rebuild's by-user repartition topic, where its stitch stage reads
 * them before anything else. Returns the number of userIds fixed.
 */
export async function preloadIdentities(options: IdentityPreloadOptions): Promise<number> {
  const { kafka, admin, eventsTopic } = options;
  const ends = new Map((await admin.fetchTopicOffsets(eventsTopic)).filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
  const earliest = new Map<string, { anonymousId: string; a: number }>();
  if (ends.size > 0) await readLinks(kafka, admin, eventsTopic, ends, earliest, options.keepAlive);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const records = [...earliest].map(([userId, { anonymousId, a }]) => ({ key: userId, value: JSON.stringify({ identity: anonymousId, a } satisfies ByUserRecord), timestamp: String(a) }));
    for (let i = 0; i < records.length; i += PRODUCE_BATCH) await producer.send({ topic: options.byUserTopic, acks: -1, messages: records.slice(i, i + PRODUCE_BATCH) });
  } finally {
    await producer.disconnect();
  }
  return earliest.size;
}

/** kafkajs cannot assign partitions: a throwaway group reads from the log start up to `ends`. */
async function readLinks(kafka: Kafka, admin: Admin, topic: string, ends: Map<number, bigint>, earliest: Map<string, { anonymousId: string; a: number }>, keepAlive: () => Promise<boolean>): Promise<void> {
  const groupId = `identity-preload-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: false, allowAutoTopicCreation: false });
  const remaining = new Set(ends.keys());
  let read = 0;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachBatch: async ({ batch, heartbeat }) => {
            const end = ends.get(batch.partition);
            if (end === undefined) return;
            for (const message of batch.messages) {
              if (BigInt(message.offset) >= end) break;
              const link = linkOf(message.value);
              const a = Number(message.timestamp);
              const known = link && earliest.get(link.userId);
              if (link && (!known || a < known.a)) earliest.set(link.userId, { anonymousId: link.anonymousId, a });
              if (++read % KEEP_ALIVE_EVERY === 0 && !(await keepAlive())) throw new Error('the identity preload lost its coordinator lease');
            }
            await heartbeat();
            if (BigInt(batch.lastOffset()) + 1n >= end) {
              remaining.delete(batch.partition);
              consumer.pause([{ topic, partitions: [batch.partition] }]);
            }
            if (remaining.size === 0) resolve();
          },
        })
        .catch(reject);
      consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
    });
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}

function linkOf(value: Buffer | null): ReturnType<typeof identityLink> {
  if (value === null) return undefined;
  try {
    const event = JSON.parse(value.toString('utf8')) as unknown;
    return isObject(event) ? identityLink(event as Json) : undefined;
  } catch {
    return undefined; // not JSON: ingest drops it too
  }
}

import { randomUUID } from 'node:crypto';
import { KafkaUnavailableError, offsetsOfNewTopic } from '@abtest/kafka-io';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { DefinitionsCatalog } from './catalog';
import { DefinitionError } from './errors';

export interface ReadDefinitionsOptions {
  /** Where to apply the records; a new catalog when absent. */
  catalog?: DefinitionsCatalog;
  /** Called for each record the catalog refused (it is skipped); nothing is reported when absent. */
  onInvalid?: (error: DefinitionError, record: { partition: number; offset: string; key: string | null }) => void;
  /** Fails with KafkaUnavailableError when the end is not reached within this time. */
  timeoutMs?: number;
}

/** Generous for a topic of a few thousand definitions, including the consumer group join. */
export const DEFAULT_READ_TIMEOUT_MS = 30_000;
/** A short fetch wait: disconnecting waits for the fetch in flight. */
const FETCH_WAIT_MS = 100;

/**
 * Reads the definitions topic from the beginning up to the end offsets it
 * has when the call starts, applying every record to a catalog. A missing
 * or empty topic gives an empty catalog at once, without joining a group.
 * The consumer group has a random id and commits nothing.
 */
export async function readDefinitions(kafka: Kafka, topic: string, options: ReadDefinitionsOptions = {}): Promise<DefinitionsCatalog> {
  const catalog = options.catalog ?? new DefinitionsCatalog();
  const remaining = await partitionsToRead(kafka, topic);
  if (remaining.size === 0) return catalog;

  const consumer = kafka.consumer({ groupId: `definitions-reader-${randomUUID()}`, maxWaitTimeInMs: FETCH_WAIT_MS });
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      // Progress comes from batch events too: a batch of only control records or compacted-away offsets applies nothing but moves the position.
      const advance = (partition: number, nextOffset: bigint) => {
        const end = remaining.get(partition);
        if (end !== undefined && nextOffset >= end) remaining.delete(partition);
        if (remaining.size === 0) resolve();
      };
      timer = setTimeout(
        () => reject(new KafkaUnavailableError(`did not read ${topic} to its end within ${options.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS} ms (partitions left: ${[...remaining.keys()].join(', ')})`)),
        options.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS,
      );
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => advance(payload.partition, BigInt(payload.lastOffset) + 1n));
      // kafkajs restarts the consumer after a retriable crash (a coordinator still loading): only a final one fails the read.
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) reject(new KafkaUnavailableError(`reading ${topic} failed: ${payload.error.message}`, { cause: payload.error }));
      });
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            applyRecord(catalog, partition, message, options.onInvalid);
            advance(partition, BigInt(message.offset) + 1n);
          },
        })
        .catch(reject);
    });
    return catalog;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
}

/** The end offset of every partition that has records to read. */
async function partitionsToRead(kafka: Kafka, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return new Map();
    const offsets = await offsetsOfNewTopic(admin, topic);
    return new Map(offsets.filter((partition) => BigInt(partition.high) > BigInt(partition.low)).map((partition) => [partition.partition, BigInt(partition.high)]));
  } finally {
    await admin.disconnect();
  }
}

function applyRecord(catalog: DefinitionsCatalog, partition: number, message: KafkaMessage, onInvalid: ReadDefinitionsOptions['onInvalid']): void {
  const key = message.key?.toString('utf8') ?? null;
  try {
    if (key === null) throw new DefinitionError('invalid record', [{ path: 'key', message: 'is required: experiment|<id> or metric|<id>' }]);
    catalog.apply(key, message.value);
  } catch (error) {
    if (!(error instanceof DefinitionError)) throw error;
    onInvalid?.(error, { partition, offset: message.offset, key });
  }
}

import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin, type ITopicConfig, type KafkaMessage } from 'kafkajs';
import { createTopicsWithLeaders } from '@abtest/kafka-io';
import { waitFor } from '@abtest/local-stack';
import { testStackEnv } from './env';

/** A name no other test uses: topics, groups, transactional ids, key prefixes. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function testKafka(clientId = uniqueName('test')): Kafka {
  return new Kafka({ clientId, brokers: testStackEnv().kafkaBrokers, logLevel: logLevel.NOTHING });
}

/** Creates topics and waits until each has a leader for every partition. */
export async function createTopics(admin: Admin, topics: ITopicConfig[]): Promise<void> {
  await createTopicsWithLeaders(admin, topics);
}

export interface ConsumedRecord {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

/**
 * Reads a topic from the beginning until `until(records)` holds or the
 * deadline passes; read_committed, so aborted transactions never show.
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  until: (records: ConsumedRecord[]) => boolean,
  options: { timeoutMs?: number; readUncommitted?: boolean } = {},
): Promise<ConsumedRecord[]> {
  // A short fetch wait: disconnect waits for the fetch in flight.
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), readUncommitted: options.readUncommitted ?? false, maxWaitTimeInMs: 100 });
  const records: ConsumedRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ topic: t, partition, message }) => void records.push({ topic: t, partition, message }) });
    await waitFor(() => until(records), { description: `records on ${topic} (have ${records.length})`, timeoutMs: options.timeoutMs ?? 30_000 });
    return records;
  } finally {
    await consumer.disconnect();
  }
}

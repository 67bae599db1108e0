import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { resolveClasspath } from '@abtest/local-stack';

const run = promisify(execFile);
const TOOLS_POM = resolve(__dirname, '..', 'bench', 'kafka-tools', 'pom.xml');
const CACHE_DIR = resolve(__dirname, '..', 'bench', '.cache');
/** About an ingress record: a ~450-byte exposure normalized (receivedAt, originalTimestamp, sentAt) plus key and headers. */
export const LIMIT_RECORD_BYTES = 600;
/** Records per ProducerPerformance run: several seconds at the broker's rate on a 2-core machine. */
const LIMIT_RECORDS = 1_000_000;
/** Partitions of the limit's topic: as many as the ingress' topic (INGRESS_TOPIC_PARTITIONS' default). */
const LIMIT_PARTITIONS = 6;
const JVM_OPTIONS = ['-Xms256m', '-Xmx512m'];

/**
 * The broker's limit for the ingress' kind of writes: Kafka's own
 * ProducerPerformance (Java client) sending LIMIT_RECORDS records of
 * LIMIT_RECORD_BYTES with acks=all and idempotence, as fast as it can.
 * Resolves to records per second.
 */
export async function brokerLimit(brokers: string[], topic: string): Promise<number> {
  const classpath = await resolveClasspath(TOOLS_POM, CACHE_DIR);
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: LIMIT_PARTITIONS }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  const { stdout } = await run(
    'java',
    [
      ...JVM_OPTIONS,
      '-cp',
      classpath,
      'org.apache.kafka.tools.ProducerPerformance',
      '--topic',
      topic,
      '--num-records',
      String(LIMIT_RECORDS),
      '--record-size',
      String(LIMIT_RECORD_BYTES),
      '--throughput',
      '-1',
      '--producer-props',
      `bootstrap.servers=${brokers.join(',')}`,
      'acks=all',
      'enable.idempotence=true',
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  // The last line sums the run up: "1000000 records sent, 98765.4 records/sec (56.5 MB/sec), ...".
  const rate = /records sent, ([\d.]+) records\/sec/.exec(stdout.trim().split('\n').pop() ?? '')?.[1];
  if (rate === undefined) throw new Error(`ProducerPerformance printed no summary: ${stdout.slice(-500)}`);
  return Number(rate);
}

import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { waitFor } from '@abtest/local-stack';
import { createLogger } from '@abtest/observability';
import { loadConfig, startIngress, type IngressConfig, type RunningIngress } from '@abtest/ingress';
import { testKafka, testStackEnv, uniqueName } from '@abtest/test-harness';

export const WRITE_KEY = 'wk_integration';
export const SHARED_SECRET = 'integration-secret';

export interface TestIngress extends RunningIngress {
  config: IngressConfig;
  topics: { events: string; deadLetter: string; extra: string };
  stop(): Promise<void>;
}

/**
 * An ingress in this process with topics of its own (created by the ingress
 * at start-up, as in production), listening on a free loopback port.
 */
export async function startTestIngress(brokers: string[], env: Record<string, string> = {}): Promise<TestIngress> {
  const topics = { events: uniqueName('ingress-events'), deadLetter: uniqueName('ingress-dead'), extra: uniqueName('ingress-extra') };
  const config = loadConfig({
    KAFKA_BROKERS: brokers.join(','),
    INGRESS_MODE: 'production',
    INGRESS_HOST: '127.0.0.1',
    INGRESS_PORT: '0',
    INGRESS_TOPIC: topics.events,
    INGRESS_DEAD_LETTER_TOPIC: topics.deadLetter,
    INGRESS_EXTRA_TOPICS: topics.extra,
    INGRESS_TOPIC_PARTITIONS: '3',
    INGRESS_SOURCES: JSON.stringify([
      { name: 'web', writeKeys: [WRITE_KEY] },
      { name: 'webhooks', sharedSecrets: [SHARED_SECRET] },
    ]),
    LOG_LEVEL: process.env.INGRESS_TEST_LOG_LEVEL ?? 'silent',
    ...env,
  });
  const logger = createLogger({ name: 'ingress', level: config.logLevel });
  const running = await startIngress(config, { logger, exit: () => undefined });
  return { ...running, config, topics, stop: () => running.shutdown('test over') };
}

export interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export const basicAuth = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

/** POSTs JSON (or a raw string) and reads the JSON answer. */
export async function post(url: string, body: unknown, headers: Record<string, string> = { authorization: basicAuth(WRITE_KEY) }): Promise<Reply> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

/** Records in a topic: the sum of its partitions' high watermarks (each topic starts empty). */
export async function recordCount(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
}

export interface ReadRecord {
  partition: number;
  key: string | undefined;
  value: Record<string, unknown>;
  headers: Record<string, string>;
}

/** A consumer's long poll: short, so reading and disconnecting take milliseconds, not seconds. */
const FETCH_MAX_WAIT_MS = 100;

/**
 * Reads every record a topic holds now (all were acknowledged before the
 * ingress answered, so the high watermarks are final), values parsed as JSON.
 */
export async function readAll(kafka: Kafka, admin: Admin, topic: string, timeoutMs = 30_000): Promise<ReadRecord[]> {
  const expected = await recordCount(admin, topic);
  const records: ReadRecord[] = [];
  if (expected === 0) return records;
  const consumer = kafka.consumer({ groupId: uniqueName('ingress-reader'), maxWaitTimeInMs: FETCH_MAX_WAIT_MS });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ partition, message }) => void records.push(toReadRecord(partition, message)) });
    await waitFor(() => records.length >= expected, { description: `${expected} records on ${topic} (have ${records.length})`, timeoutMs });
    return records;
  } finally {
    await consumer.disconnect();
  }
}

function toReadRecord(partition: number, message: KafkaMessage): ReadRecord {
  return {
    partition,
    key: message.key?.toString(),
    value: JSON.parse(message.value?.toString() ?? 'null') as Record<string, unknown>,
    headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)])),
  };
}

export const trackEvent = (messageId: string, extra: Record<string, unknown> = {}) => ({
  type: 'track',
  event: 'Experiment Viewed',
  anonymousId: `anon-${messageId}`,
  messageId,
  properties: { experiment_id: 'exp-1', variation_id: 'b' },
  ...extra,
});

/** What a describe block of ingress tests shares: an ingress of its own, and a Kafka client and admin to read its topics. */
export interface IngressSuite {
  kafka: Kafka;
  admin: Admin;
  ingress: TestIngress;
}

/** Starts the suite's ingress and clients before its tests and stops them after; the fields are set from beforeAll on. */
export function useIngressSuite(env: Record<string, string> = {}): IngressSuite {
  const suite = {} as IngressSuite;
  beforeAll(async () => {
    suite.kafka = testKafka();
    suite.admin = suite.kafka.admin();
    await suite.admin.connect();
    suite.ingress = await startTestIngress(testStackEnv().kafkaBrokers, env);
  });
  afterAll(async () => {
    await suite.ingress?.stop();
    await suite.admin?.disconnect();
  });
  return suite;
}

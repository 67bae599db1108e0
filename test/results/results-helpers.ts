import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type Redis from 'ioredis';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { getFreePort, ManagedProcess, waitFor } from '@abtest/local-stack';
import { createLogger, LOG_LEVELS } from '@abtest/observability';
import { statusKeys, type DecisionRecord } from '@abtest/results-view';
import { loadConfig, startResultsService, type ResultsService } from '@abtest/results';
import { readTopic, testStackEnv, uniqueName } from '@abtest/test-harness';

const ROOT = resolve(__dirname, '../..');
export const ARTIFACTS_DIR = join(ROOT, 'test-artifacts', 'results');
/** The in-process services log only fatal errors unless asked (kafkajs logs every rebalance of these short-lived groups). */
const TEST_LOG_LEVEL = LOG_LEVELS.find((level) => level === process.env.RESULTS_TEST_LOG_LEVEL) ?? 'fatal';

/** Builds the results service with its dashboard assets (incremental: quick when nothing changed). */
export function buildResults(): void {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', join(ROOT, 'services/results/tsconfig.build.json')], { cwd: ROOT, stdio: 'pipe' });
}

/** Topic names and a Redis key prefix no other test uses. */
export function uniqueResultsEnv(): Record<string, string> {
  const results = uniqueName('results');
  return {
    RESULTS_TOPIC: results,
    DECISIONS_TOPIC: `${results}-decisions`,
    REDIS_KEY_PREFIX: `${uniqueName('results-test')}:`,
    RESULTS_TOPIC_PARTITIONS: '2',
  };
}

/** The stack's connection variables, for a service started in this process or as a child. */
export function stackEnv(): Record<string, string> {
  const stack = testStackEnv();
  return { KAFKA_BROKERS: stack.kafkaBrokers.join(','), REDIS_URL: stack.redisUrl, SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl };
}

/** Starts the results service in this process (port 0), ready: it has read its topics up to their end. */
export async function startResults(env: Record<string, string>): Promise<ResultsService> {
  const config = loadConfig({ ...stackEnv(), RESULTS_PORT: '1', RESULTS_HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env });
  const service = await startResultsService({ ...config, port: 0 }, { logger: createLogger({ name: 'results-test', level: TEST_LOG_LEVEL }), exit: () => undefined });
  await waitFor(async () => (await fetch(`${service.url}/readyz`)).status === 200, { description: 'the results service to be ready', timeoutMs: 30_000 });
  return service;
}

export async function produceJson(producer: Producer, topic: string, key: string, value: unknown): Promise<void> {
  await producer.send({ topic, acks: -1, messages: [{ key, value: JSON.stringify(value) }] });
}

export async function connectedProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  return producer;
}

export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/** Waits until GET url answers 200 with a body for which `check` holds; returns that body. */
export async function waitForJson<T>(url: string, check: (body: T) => boolean, description: string, timeoutMs = 20_000): Promise<T> {
  return waitFor(
    async () => {
      const body = await getJson<T>(url);
      return check(body) ? body : undefined;
    },
    { description, timeoutMs, intervalMs: 100 },
  );
}

export interface ResultsProcess {
  url: string;
  process: ManagedProcess;
  logFile: string;
}

/** Runs the built service as production does (`node services/results/dist/main.js`), ready. */
export async function startResultsProcess(env: Record<string, string>): Promise<ResultsProcess> {
  const port = await getFreePort();
  const logFile = join(mkdtempSync(join(tmpdir(), 'results-')), 'results.log');
  const child = ManagedProcess.start({
    name: 'results',
    command: process.execPath,
    args: [join(ROOT, 'services/results/dist/main.js')],
    env: { ...process.env, ...stackEnv(), RESULTS_HOST: '127.0.0.1', RESULTS_PORT: String(port), LOG_LEVEL: 'info', ...env },
    logFile,
    stopTimeoutMs: 30_000,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (!child.isRunning) throw new Error(`the results service exited; see ${logFile}`);
      return (await fetch(`${url}/readyz`)).status === 200;
    },
    { description: `the results service on port ${port} to be ready`, timeoutMs: 30_000, intervalMs: 100 },
  );
  return { url, process: child, logFile };
}

/**
 * Every status change in the results service's outbox acknowledged by both
 * destinations (Slack and the decisions topic): nothing more is on its way.
 */
export async function waitForOutboxDrained(redis: Redis, keyPrefix: string, timeoutMs = 20_000): Promise<void> {
  const stream = statusKeys(keyPrefix).outbox;
  await waitFor(
    async () => {
      const groups = (await redis.xinfo('GROUPS', stream)) as unknown[][];
      return (
        groups.length === 2 &&
        groups.every((group) => {
          const fields = new Map<unknown, unknown>();
          for (let i = 0; i + 1 < group.length; i += 2) fields.set(group[i], group[i + 1]);
          return fields.get('pending') === 0 && fields.get('lag') === 0;
        })
      );
    },
    { description: 'the status outbox to be delivered to Slack and the decisions topic', timeoutMs },
  );
}

/** Every record of the decisions topic: its offsets say how many there are, so a duplicate cannot hide. */
export async function readDecisions(kafka: Kafka, admin: Admin, topic: string): Promise<DecisionRecord[]> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const total = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  const records = await readTopic(kafka, topic, (r) => r.length >= total);
  return records.map((r) => JSON.parse(r.message.value?.toString() ?? 'null') as DecisionRecord).sort((a, b) => a.decided_at - b.decided_at);
}

import { DefinitionsCatalog } from '@abtest/definitions';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { buildExperimentTopology } from '@abtest/experiments';
import { resultsTopics } from '@abtest/results-contract';
import { startRedis, type RedisHandle } from '@abtest/local-stack';
import { personKey } from '@abtest/segment';
import { KafkaStreams, taskRecoveriesByReason, type Logger } from '@abtest/streams';
import { createTopics, testKafka, uniqueName } from '@abtest/test-harness';
import { expectedCountsFromPostgres } from './expected-counts';
import { generateExperimentEvents } from './generate-events';
import { followResults, waitForResults } from './results-reader';

const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const PARTITIONS = 4;

describe('Experiment topology > views and clicks', () => {
  let kafka: Kafka;
  let admin: Admin;
  let redisServer: RedisHandle;
  let workDir: string;

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    // A redis-server of this test's own: it is flushed below, which must not touch other tests' state.
    workDir = mkdtempSync(join(tmpdir(), 'topology-test-'));
    redisServer = await startRedis({ workDir, log: () => undefined });
  });

  afterAll(async () => {
    await admin.disconnect();
    await redisServer.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  async function produce(topic: string, events: Array<Record<string, unknown>>): Promise<void> {
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    for (let i = 0; i < events.length; i += 500) {
      await producer.send({ topic, acks: -1, messages: events.slice(i, i + 500).map((e) => ({ key: personKey(e) ?? null, value: JSON.stringify(e) })) });
    }
    await producer.disconnect();
  }

  function startStreams(applicationId: string, eventsTopic: string, resultsTopic: string, redis: Redis, metrics: Registry): KafkaStreams {
    const topology = buildExperimentTopology({ applicationId, eventsTopic, resultsTopic, definitions: new DefinitionsCatalog() });
    return new KafkaStreams(topology, { kafka, redis, logger: silent, keyPrefix: `${applicationId}:`, commitIntervalMs: 200, metrics });
  }

  it('should count exactly what the seed SQL computes, and restore the same after Redis loses everything', async () => {
    const applicationId = uniqueName('exp-app');
    const eventsTopic = uniqueName('events');
    const resultsTopic = uniqueName('results');
    await createTopics(admin, [
      { topic: eventsTopic, numPartitions: PARTITIONS },
      ...Object.values(resultsTopics(resultsTopic)).map((topic) => ({ topic, numPartitions: PARTITIONS, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] })),
    ]);
    const generated = generateExperimentEvents({ seed: 42, persons: 400, experiments: 5, eventsPerPerson: 6, duplicateRate: 0.1 }).events;
    // One messageId sent for 12 persons (spread over the partitions): it counts once per person, and a resend of each not at all.
    const shared = Array.from({ length: 12 }, (_, i) => ({ ...generated[0], anonymousId: `shared-${applicationId}-${i}`, userId: undefined, messageId: `shared-${applicationId}` }));
    const events = [...generated, ...shared, ...shared];
    const expected = await expectedCountsFromPostgres(events);
    const redis = new Redis(redisServer.url);
    const reader = await followResults(kafka, resultsTopic);
    const registry = new Registry();
    let streams = startStreams(applicationId, eventsTopic, resultsTopic, redis, registry);
    try {
      await streams.start();
      const half = Math.floor(events.length / 2);
      await produce(eventsTopic, events.slice(0, half));
      await produce(eventsTopic, events.slice(half));
      await waitForResults(reader.latest, expected.variants);
      for (const [experiment, clicks] of expected.clicksOnUnviewed) expect(reader.latest.get(experiment)?.data_quality.clicks_on_unviewed_variants).toBe(clicks);
      expect(await taskRecoveriesByReason(registry)).toEqual({});

      // Redis loses everything while the processor is stopped: it restores from the changelogs.
      await streams.close();
      await redis.flushall();
      const restartedRegistry = new Registry();
      streams = startStreams(applicationId, eventsTopic, resultsTopic, redis, restartedRegistry);
      await streams.start();
      const resend = events.slice(0, 50);
      await produce(eventsTopic, resend);
      const marker = generateExperimentEvents({ seed: 7, persons: 3, experiments: 1, eventsPerPerson: 2, duplicateRate: 0 }).events;
      await produce(eventsTopic, marker);
      const expectedAfter = await expectedCountsFromPostgres([...events, ...resend, ...marker]);
      await waitForResults(reader.latest, expectedAfter.variants);
      expect(await taskRecoveriesByReason(restartedRegistry)).toEqual({});
    } finally {
      await streams.close();
      await reader.stop();
      redis.disconnect();
    }
  });
});

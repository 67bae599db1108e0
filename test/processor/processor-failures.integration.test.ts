import type { Admin, Kafka } from 'kafkajs';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { personKey } from '@abtest/segment';
import { createTopics, testKafka, testStackEnv, uniqueName } from '@abtest/test-harness';
import { expectedCountsFromPostgres } from './expected-counts';
import { generateExperimentEvents, seededRandom } from './generate-events';
import { waitUntilReady } from './processor-helpers';
import { startProcessorProcess, type ProcessorProcess } from './processor-process';
import { followResults, waitForResults } from './results-reader';

const PARTITIONS = 4;

describe('Processor > failures', () => {
  let kafka: Kafka;
  let admin: Admin;
  const running: ProcessorProcess[] = [];

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.process.stop()));
  });

  afterAll(async () => {
    await admin.disconnect();
  });

  async function setup() {
    const names = { applicationId: uniqueName('proc'), eventsTopic: uniqueName('events'), resultsTopic: uniqueName('results') };
    await createTopics(admin, [{ topic: names.eventsTopic, numPartitions: PARTITIONS }]);
    const env = { PROCESSOR_APPLICATION_ID: names.applicationId, EVENTS_TOPIC: names.eventsTopic, RESULTS_TOPIC: names.resultsTopic, REDIS_KEY_PREFIX: `${names.applicationId}:`, COMMIT_INTERVAL_MS: '100', SESSION_TIMEOUT_MS: '6000' };
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const produce = async (events: Array<Record<string, unknown>>) => {
      await producer.send({ topic: names.eventsTopic, acks: -1, messages: events.map((e) => ({ key: personKey(e) ?? null, value: JSON.stringify(e) })) });
    };
    const start = async () => {
      const instance = await startProcessorProcess(env);
      running.push(instance);
      return instance;
    };
    return { names, produce, start, closeProducer: () => producer.disconnect() };
  }

  async function followAvroResults(topic: string) {
    const registry = new SchemaRegistry({ host: testStackEnv().schemaRegistryUrl });
    return followResults(kafka, topic, (value) => registry.decode(value));
  }

  it('should keep counts exact when killed with SIGKILL ten times at random moments while events flow', async () => {
    const { names, produce, start, closeProducer } = await setup();
    const { events } = generateExperimentEvents({ seed: 1234, persons: 300, experiments: 4, eventsPerPerson: 6, duplicateRate: 0.1 });
    const expected = await expectedCountsFromPostgres(events);
    const random = seededRandom(99);
    const chunks = 12;
    const size = Math.ceil(events.length / chunks);
    for (let kill = 0; kill < 10; kill++) {
      const instance = await start();
      await produce(events.slice(kill * size, (kill + 1) * size));
      // Fault injection, not synchronisation: the kill lands at a random moment of start-up, restore or processing.
      await new Promise((resolve) => setTimeout(resolve, 200 + Math.floor(random() * 1_800)));
      instance.process.signal('SIGKILL');
      await instance.process.exited;
      running.splice(running.indexOf(instance), 1);
    }
    await produce(events.slice(10 * size));
    const survivor = await start();
    await waitUntilReady(survivor);
    const reader = await followAvroResults(names.resultsTopic);
    try {
      await waitForResults(reader.latest, expected.variants, 90_000);
      const [someExperiment] = expected.variants;
      const response = await fetch(`http://127.0.0.1:${survivor.port}/experiments/${encodeURIComponent(someExperiment?.experiment_id ?? '')}`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { experiment_id: string; variants: unknown[] };
      expect(body.experiment_id).toBe(someExperiment?.experiment_id);
    } finally {
      await reader.stop();
      await closeProducer();
    }
  });

  it('should let a survivor take over the partitions of an instance killed mid-stream, counts exact', async () => {
    const { names, produce, start, closeProducer } = await setup();
    const { events } = generateExperimentEvents({ seed: 777, persons: 300, experiments: 3, eventsPerPerson: 6, duplicateRate: 0.1 });
    const expected = await expectedCountsFromPostgres(events);
    const [first, second] = [await start(), await start()];
    await Promise.all([waitUntilReady(first), waitUntilReady(second)]);
    const third = Math.floor(events.length / 3);
    await produce(events.slice(0, third));
    await produce(events.slice(third, 2 * third));
    first.process.signal('SIGKILL');
    await first.process.exited;
    await produce(events.slice(2 * third));
    const reader = await followAvroResults(names.resultsTopic);
    try {
      await waitForResults(reader.latest, expected.variants, 90_000);
    } finally {
      await reader.stop();
      await closeProducer();
    }
  });
});

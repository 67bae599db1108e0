import { ConfigResourceTypes, Kafka, logLevel, type Admin } from 'kafkajs';
import { KafkaIoError } from '@abtest/kafka-io';
import { getFreePort } from '@abtest/local-stack';
// A relative import: the test harness is shared by every integration test, not a package.
import { createTopics, testKafka, uniqueName } from '@abtest/test-harness';
import { DefinitionsCatalog } from './catalog';
import { DefinitionError } from './errors';
import { readDefinitions } from './read-definitions';
import { DefinitionsWriter } from './writer';

/** How quickly reading an empty or missing topic must answer: it joins no consumer group. */
const PROMPT_MS = 2_000;

describe('DefinitionsWriter and readDefinitions > real Kafka', () => {
  let kafka: Kafka;
  let admin: Admin;
  const writers: DefinitionsWriter[] = [];

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await Promise.all(writers.map((writer) => writer.close()));
    await admin.disconnect();
  });

  function writer(topic: string, client = kafka, sendTimeoutMs?: number): DefinitionsWriter {
    const created = new DefinitionsWriter(client, topic, sendTimeoutMs === undefined ? {} : { sendTimeoutMs });
    writers.push(created);
    return created;
  }

  it('should create the topic compacted with one partition, and find it on a second run', async () => {
    const topic = uniqueName('definitions');
    expect(await writer(topic).ensureTopic()).toEqual({ created: [topic], existing: [], configDrift: [] });
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['cleanup.policy'] }] });
    expect(described.resources[0]?.configEntries[0]?.configValue).toBe('compact');
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(1);
    expect(await writer(topic).ensureTopic()).toEqual({ created: [], existing: [topic], configDrift: [] });
  });

  it('should report an existing topic that is not compacted', async () => {
    const topic = uniqueName('definitions-delete');
    await createTopics(admin, [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'delete' }] }]);
    expect((await writer(topic).ensureTopic()).configDrift).toEqual([{ topic, name: 'cleanup.policy', expected: 'compact', actual: 'delete' }]);
  });

  it('should write normalized definitions and tombstones that readDefinitions reads back', async () => {
    const topic = uniqueName('definitions');
    const definitions = writer(topic);
    await definitions.ensureTopic();
    const experiment = await definitions.putExperiment({ id: 'checkout', variants: [{ id: 'A' }, { id: 'B' }], metrics: ['revenue'], min_runtime_ms: '7d' });
    expect(experiment).toMatchObject({ control_variant_id: 'A', min_runtime_ms: 604_800_000 });
    const revenue = await definitions.putMetric({ id: 'revenue', type: 'value', event: 'Order Completed', value_path: 'properties.revenue' });
    await definitions.putMetric({ id: 'visits', type: 'conversion', event: 'Page Viewed', scope: 'global' });
    await definitions.putExperiment({ id: 'pricing', variants: [{ id: 'old' }, { id: 'new' }] });
    await definitions.deleteExperiment('pricing');
    const renamed = await definitions.putMetric({ id: 'visits', name: 'Visits', type: 'conversion', event: 'Page Viewed', scope: 'global' });

    const catalog = await readDefinitions(kafka, topic);
    expect(catalog.experiments()).toEqual([experiment]);
    expect(catalog.metrics()).toEqual([revenue, renamed]);
    expect(catalog.metricsFor('checkout').map((metric) => metric.id)).toEqual(['visits', 'revenue']);
    expect(catalog.version).toBe(6);

    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.map((partition) => partition.high)).toEqual(['6']);
  });

  it('should write nothing for an invalid definition', async () => {
    const topic = uniqueName('definitions');
    const definitions = writer(topic);
    await definitions.ensureTopic();
    await expect(definitions.putMetric({ id: 'revenue', type: 'value', event: 'Order Completed' })).rejects.toThrow(DefinitionError);
    await expect(definitions.deleteMetric('a|b')).rejects.toThrow(DefinitionError);
    expect((await admin.fetchTopicOffsets(topic)).map((partition) => partition.high)).toEqual(['0']);
  });

  it('should answer at once for an empty or a missing topic', async () => {
    const topic = uniqueName('definitions-empty');
    await writer(topic).ensureTopic();
    for (const name of [topic, uniqueName('definitions-missing')]) {
      const started = Date.now();
      const catalog = await readDefinitions(kafka, name);
      expect(Date.now() - started).toBeLessThan(PROMPT_MS);
      expect(catalog.experiments()).toEqual([]);
      expect(catalog.metrics()).toEqual([]);
    }
  });

  it('should skip and report records the catalog refuses, and apply into a given catalog', async () => {
    // Not compacted: a compacted topic refuses a record without a key, and this test needs one.
    const topic = uniqueName('definitions-any');
    await createTopics(admin, [{ topic, numPartitions: 1 }]);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        { key: 'metric|signup', value: JSON.stringify({ id: 'signup', type: 'conversion', event: 'Signed Up' }) },
        { key: 'dashboard|main', value: '{}' },
        { key: 'metric|broken', value: '{"id":' },
        { key: null, value: '{}' },
      ],
    });
    await producer.disconnect();
    const invalid: string[] = [];
    const catalog = new DefinitionsCatalog();
    const read = await readDefinitions(kafka, topic, { catalog, onInvalid: (error, record) => invalid.push(`${record.offset} ${record.key} ${error.message}`) });
    expect(read).toBe(catalog);
    expect(catalog.metrics().map((metric) => metric.id)).toEqual(['signup']);
    expect(invalid).toEqual([
      '1 dashboard|main invalid record key "dashboard|main": key: must be experiment|<id> or metric|<id>',
      expect.stringMatching(/^2 metric\|broken invalid record "metric\|broken": \(root\): must be JSON/),
      '3 null invalid record: key: is required: experiment|<id> or metric|<id>',
    ]);
  });

  it('should read to the end of a topic whose last records are transaction markers', async () => {
    const topic = uniqueName('definitions-tx');
    await writer(topic).ensureTopic();
    const producer = kafka.producer({ transactionalId: uniqueName('definitions-tx'), idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const transaction = await producer.transaction();
    await transaction.send({ topic, messages: [{ key: 'metric|signup', value: JSON.stringify({ id: 'signup', type: 'conversion', event: 'Signed Up' }) }] });
    await transaction.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ key: 'metric|aborted', value: JSON.stringify({ id: 'aborted', type: 'conversion', event: 'X' }) }] });
    await aborted.abort();
    await producer.disconnect();
    const catalog = await readDefinitions(kafka, topic, { timeoutMs: 20_000 });
    expect(catalog.metrics().map((metric) => metric.id)).toEqual(['signup']);
  });

  it('should fail a write with a retriable KafkaIoError when Kafka cannot be reached', async () => {
    const unreachable = new Kafka({ clientId: uniqueName('unreachable'), brokers: [`127.0.0.1:${await getFreePort()}`], connectionTimeout: 500, retry: { retries: 0 }, logLevel: logLevel.NOTHING });
    const definitions = writer(uniqueName('definitions'), unreachable, 5_000);
    const failure = await definitions.putMetric({ id: 'signup', type: 'conversion', event: 'Signed Up' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(KafkaIoError);
    expect(failure).toMatchObject({ retriable: true });
  });
});

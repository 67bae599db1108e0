import { ConfigResourceTypes, type Admin, type Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { waitFor } from '@abtest/local-stack';
import { createKafka, type KafkaLogger } from './client';
import { BatchingProducer } from './batching-producer';
import { ProducerClosedError, TopicMismatchError } from './errors';
import { ThreadedProducer } from './threaded-producer';
import { ensureTopics, topicsPresent } from './topics';

/** Set by the integration project's global setup. */
function brokers(): string[] {
  const value = process.env.KAFKA_BROKERS;
  if (!value) throw new Error('KAFKA_BROKERS is not set: run integration tests through jest');
  return value.split(',');
}

const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
const silent: KafkaLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe('kafka-io > real Kafka', () => {
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    kafka = createKafka({ brokers: brokers(), clientId: unique('kafka-io-test'), connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000 }, silent);
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin.disconnect();
  });

  describe('ensureTopics', () => {
    it('should create missing topics with their partitions and settings, and find them on a second run', async () => {
      const topic = unique('ensure');
      const spec = { topic, numPartitions: 4, configEntries: { 'retention.ms': '3600000', 'cleanup.policy': 'delete' } };
      expect(await ensureTopics(admin, [spec])).toEqual({ created: [topic], existing: [], configDrift: [] });
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(metadata.topics[0]?.partitions).toHaveLength(4);
      const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }] });
      expect(described.resources[0]?.configEntries[0]?.configValue).toBe('3600000');
      expect(await ensureTopics(admin, [spec])).toEqual({ created: [], existing: [topic], configDrift: [] });
      expect(await topicsPresent(admin, [topic])).toBe(true);
      expect(await topicsPresent(admin, [topic, unique('absent')])).toBe(false);
    });

    it('should report settings that differ on an existing topic, and refuse a different partition count', async () => {
      const topic = unique('drift');
      await ensureTopics(admin, [{ topic, numPartitions: 2, configEntries: { 'retention.ms': '3600000' } }]);
      const drift = await ensureTopics(admin, [{ topic, numPartitions: 2, configEntries: { 'retention.ms': '7200000' } }]);
      expect(drift.configDrift).toEqual([{ topic, name: 'retention.ms', expected: '7200000', actual: '3600000' }]);
      await expect(ensureTopics(admin, [{ topic, numPartitions: 3 }])).rejects.toBeInstanceOf(TopicMismatchError);
    });
  });

  describe('BatchingProducer', () => {
    it('should coalesce concurrent sends into few acknowledged batches, every record written once, in order per key', async () => {
      const topic = unique('batching');
      await ensureTopics(admin, [{ topic, numPartitions: 3 }]);
      const registry = new Registry();
      const producer = new BatchingProducer(kafka, { lingerMs: 5, registry });
      await producer.connect();
      const senders = 50;
      const perSender = 20;
      await Promise.all(
        Array.from({ length: senders }, (_, sender) =>
          producer.send(Array.from({ length: perSender }, (_, i) => ({ topic, key: `person-${sender % 5}`, value: JSON.stringify({ sender, i }), headers: { sender: String(sender) } }))),
        ),
      );
      const batches = await registry.getSingleMetricAsString('kafka_producer_batches_total');
      await producer.close();
      const calls = Number(/outcome="acked"\} (\d+)/.exec(batches)?.[1]);
      expect(calls).toBeGreaterThan(0);
      expect(calls).toBeLessThan(senders / 5);

      const offsets = await admin.fetchTopicOffsets(topic);
      expect(offsets.reduce((sum, partition) => sum + Number(partition.high), 0)).toBe(senders * perSender);
      const consumer = kafka.consumer({ groupId: unique('reader'), maxWaitTimeInMs: 100 });
      const read: { key: string; sender: number; i: number }[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const value = JSON.parse(message.value?.toString() ?? '{}') as { sender: number; i: number };
          read.push({ key: message.key?.toString() ?? '', ...value });
        },
      });
      try {
        await waitFor(() => read.length >= senders * perSender, { description: `${senders * perSender} records on ${topic}`, timeoutMs: 30_000 });
      } finally {
        await consumer.disconnect();
      }
      expect(read).toHaveLength(senders * perSender);
      for (let sender = 0; sender < senders; sender += 1) {
        expect(read.filter((record) => record.sender === sender).map((record) => record.i)).toEqual(Array.from({ length: perSender }, (_, i) => i));
      }
    });
  });
});

describe('kafka-io > ThreadedProducer > real Kafka', () => {
  it('should acknowledge sends from a producer thread, expose its metrics, and flush on close', async () => {
    const kafka = createKafka({ brokers: brokers(), clientId: unique('threaded'), connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000 });
    const admin = kafka.admin();
    await admin.connect();
    const topic = unique('threaded');
    await ensureTopics(admin, [{ topic, numPartitions: 2 }]);
    const producer = await ThreadedProducer.start({ connection: { brokers: brokers(), clientId: unique('threaded'), connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000 }, metricLabels: { service: 'test' } });
    try {
      expect(producer.isReady).toBe(true);
      await Promise.all(Array.from({ length: 20 }, (_, i) => producer.send([{ topic, key: `k${i % 3}`, value: `v${i}`, headers: { n: String(i) } }])));
      const lastBatch = producer.send([{ topic, key: 'last', value: 'last' }]);
      await producer.close();
      await lastBatch;
      expect(producer.isReady).toBe(false);
      await expect(producer.send([{ topic, key: null, value: 'late' }])).rejects.toBeInstanceOf(ProducerClosedError);
      const offsets = await admin.fetchTopicOffsets(topic);
      expect(offsets.reduce((sum, partition) => sum + Number(partition.high), 0)).toBe(21);
    } finally {
      await producer.close();
      await admin.disconnect();
    }
  });

  it('should report the records acknowledged in the thread as metrics', async () => {
    const topic = unique('threaded-metrics');
    const kafka = createKafka({ brokers: brokers(), clientId: unique('threaded'), connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000 });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ topic, numPartitions: 1 }]);
    const producer = await ThreadedProducer.start({ connection: { brokers: brokers(), clientId: unique('threaded'), connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000 }, metricLabels: { service: 'test' } });
    try {
      await producer.send([{ topic, key: 'a', value: '1' }, { topic, key: 'b', value: '2' }]);
      const metrics = await (await producer.metrics()).metrics();
      expect(metrics).toMatch(/kafka_producer_records_total\{[^}]*outcome="acked"[^}]*\} 2/);
      expect(metrics).toContain('service="test"');
    } finally {
      await producer.close();
      await admin.disconnect();
    }
  });

  it('should fail to start with the typed error when no broker answers', async () => {
    const start = ThreadedProducer.start({ connection: { brokers: ['127.0.0.1:1'], clientId: unique('threaded'), connectionTimeoutMs: 500, requestTimeoutMs: 1_000 } });
    await expect(start).rejects.toMatchObject({ retriable: true });
  });
});

describe('kafka-io > transactions on real Kafka (kafkajs patch: coordinators found once)', () => {
  it('should find the coordinators once and retry CONCURRENT_TRANSACTIONS itself, not before or after every request of every transaction, and commit every transaction', async () => {
    const kafka = createKafka({ brokers: brokers(), clientId: unique('kafka-io-txn'), connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000 }, silent);
    const admin = kafka.admin();
    const producer = kafka.producer({ transactionalId: unique('txn'), idempotent: true, maxInFlightRequests: 1 });
    const topic = unique('txn');
    const groupId = unique('txn-group');
    const apis: string[] = [];
    producer.on(producer.events.REQUEST, (event) => void apis.push(event.payload.apiName));
    await Promise.all([admin.connect(), producer.connect()]);
    try {
      await ensureTopics(admin, [{ topic, numPartitions: 1 }]);
      for (let i = 1; i <= 5; i++) {
        const transaction = await producer.transaction();
        await transaction.send({ topic, messages: [{ value: String(i) }] });
        await transaction.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition: 0, offset: String(i) }] }] });
        await transaction.commit();
      }
      // After the first transaction, no lookups: unpatched, each transaction sent a FindCoordinator (apiName GroupCoordinator)
      // before each of AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit and EndTxn, and its first AddPartitionsToTxn,
      // refused with CONCURRENT_TRANSACTIONS while the previous commit completed, went through the producer's retry with a Metadata request.
      expect(apis.filter((api) => api === 'EndTxn')).toHaveLength(5);
      const afterFirst = apis.slice(apis.indexOf('EndTxn') + 1);
      expect(afterFirst.filter((api) => api === 'GroupCoordinator' || api === 'Metadata')).toEqual([]);
      expect(afterFirst.filter((api) => api === 'TxnOffsetCommit')).toHaveLength(4);
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      expect(offsets?.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '5' })]);
    } finally {
      await Promise.all([producer.disconnect(), admin.disconnect()]);
    }
  });
});

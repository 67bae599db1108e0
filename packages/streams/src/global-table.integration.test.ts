import type { Admin, Kafka, Message } from 'kafkajs';
import { Registry } from 'prom-client';
import { waitFor } from '@abtest/local-stack';
import { createTopics, testKafka, uniqueName } from '@abtest/test-harness';
import { StreamsError } from './errors';
import { GlobalTable } from './global-table';
import type { Logger } from './logger';

const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const WAIT_MS = 20_000;

describe('GlobalTable > real Kafka', () => {
  let kafka: Kafka;
  let admin: Admin;
  const topics: string[] = [];
  const tables: GlobalTable[] = [];

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
  });

  afterEach(async () => {
    await Promise.all(tables.splice(0).map((t) => t.close()));
  });

  afterAll(async () => {
    if (topics.length > 0) await admin.deleteTopics({ topics });
    await admin.disconnect();
  });

  async function topic(partitions: number): Promise<string> {
    const name = uniqueName('global-table');
    await createTopics(admin, [{ topic: name, numPartitions: partitions, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }]);
    topics.push(name);
    return name;
  }

  async function produce(name: string, messages: Message[]): Promise<void> {
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    try {
      await producer.send({ topic: name, acks: -1, messages });
    } finally {
      await producer.disconnect();
    }
  }

  /** A committed and an aborted transaction: the log then ends with transaction markers, and the aborted record must never show. */
  async function produceTransactions(name: string, committed: Message[], aborted: Message[]): Promise<void> {
    const producer = kafka.producer({ transactionalId: uniqueName('global-table-tx'), idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const abort = await producer.transaction();
      await abort.send({ topic: name, acks: -1, messages: aborted });
      await abort.abort();
      const commit = await producer.transaction();
      await commit.send({ topic: name, acks: -1, messages: committed });
      await commit.commit();
    } finally {
      await producer.disconnect();
    }
  }

  function table(name: string, onRecord: (key: string, value: Buffer | null) => void, extra: { onError?: (error: unknown) => void; metrics?: Registry } = {}): GlobalTable {
    const created = new GlobalTable({ kafka, topic: name, logger: silent, onRecord, ...extra });
    tables.push(created);
    return created;
  }

  it('should deliver every record written before start() before it resolves, then follow new records and tombstones', async () => {
    const name = await topic(3);
    const before = Array.from({ length: 60 }, (_, i) => ({ key: `k${i % 20}`, value: `v${i}` }));
    await produce(name, before);
    await produceTransactions(name, [{ key: 'tx', value: 'committed' }], [{ key: 'aborted', value: 'never' }]);
    const state = new Map<string, string | null>();
    const delivered: Array<[string, string | null]> = [];
    const globalTable = table(name, (key, value) => {
      const text = value === null ? null : value.toString('utf8');
      delivered.push([key, text]);
      state.set(key, text);
    });
    expect(globalTable.caughtUp).toBe(false);

    await globalTable.start();

    expect(globalTable.caughtUp).toBe(true);
    expect(delivered).toHaveLength(61);
    for (let i = 40; i < 60; i++) expect(state.get(`k${i % 20}`)).toBe(`v${i}`);
    expect(state.get('tx')).toBe('committed');
    expect(state.has('aborted')).toBe(false);

    await produce(name, [{ key: 'late', value: 'arrived' }]);
    await waitFor(() => state.get('late') === 'arrived', { description: 'a record written after start()', timeoutMs: WAIT_MS });
    await produce(name, [{ key: 'k1', value: null }]);
    await waitFor(() => state.has('k1') && state.get('k1') === null, { description: 'a tombstone delivered as null', timeoutMs: WAIT_MS });
    expect(delivered.filter(([key]) => key === 'aborted')).toEqual([]);
  });

  it('should resolve start() at once on an empty topic, and follow what is written later', async () => {
    const name = await topic(2);
    const state = new Map<string, string | null>();
    const globalTable = table(name, (key, value) => state.set(key, value === null ? null : value.toString('utf8')));

    await globalTable.start();

    expect(globalTable.caughtUp).toBe(true);
    expect(state.size).toBe(0);
    await produce(name, [{ key: 'first', value: 'one' }]);
    await waitFor(() => state.get('first') === 'one', { description: 'a record written to a table that started empty', timeoutMs: WAIT_MS });
  });

  it('should log, count and report a record onRecord rejects, and go on with the next ones', async () => {
    const name = await topic(1);
    await produce(name, [
      { key: 'good-1', value: '1' },
      { key: 'bad', value: '{' },
      { key: 'good-2', value: '2' },
    ]);
    const keys: string[] = [];
    const errors: unknown[] = [];
    const registry = new Registry();
    const globalTable = table(
      name,
      (key) => {
        if (key === 'bad') throw new Error('invalid record');
        keys.push(key);
      },
      { onError: (error) => errors.push(error), metrics: registry },
    );

    await globalTable.start();

    expect(keys).toEqual(['good-1', 'good-2']);
    expect(errors).toHaveLength(1);
    const rejected = await registry.getSingleMetric('streams_global_table_record_errors_total')?.get();
    expect(rejected?.values).toEqual([{ labels: { topic: name }, value: 1 }]);
    const caughtUp = await registry.getSingleMetric('streams_global_table_caught_up')?.get();
    expect(caughtUp?.values).toEqual([{ labels: { topic: name }, value: 1 }]);
  });

  it('should reject start() with a StreamsError for a topic that does not exist', async () => {
    const globalTable = new GlobalTable({ kafka, topic: uniqueName('absent'), logger: silent, onRecord: () => undefined });
    await expect(globalTable.start()).rejects.toBeInstanceOf(StreamsError);
    expect(globalTable.caughtUp).toBe(false);
  });
});

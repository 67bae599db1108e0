import { execFileSync } from 'node:child_process';
import { ConfigResourceTypes, type Admin, type Kafka, type Producer } from 'kafkajs';
import Redis from 'ioredis';
import { Client } from 'pg';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { createTopics, itWhen, readTopic, testKafka, testPostgresUrl, testStackEnv, uniqueName } from './index';

describe('Local stack', () => {
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin.disconnect();
  });

  const startedLocally = (service: string) => process.env.ABTEST_STACK_PROVENANCE?.includes(`"${service}":"local"`) ?? false;
  const whenLocal = (service: string) => itWhen(startedLocally(service), `${service} was given from outside (or runs in a container), not started as a local process`);

  whenLocal('kafkaBrokers')('should run a real Kafka broker JVM that the harness started', () => {
    const processes = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(processes).toMatch(/java .*kafka\.Kafka /);
  });

  whenLocal('redisUrl')('should run a redis-server of its own, never the shared one on 6379', () => {
    const redisPort = new URL(testStackEnv().redisUrl).port;
    expect(redisPort).not.toBe('6379');
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).toContain(`redis-server 127.0.0.1:${redisPort}`);
  });

  whenLocal('postgresUrl')('should run a PostgreSQL of its own on a free port, as an unprivileged user when started by root', async () => {
    const client = new Client({ connectionString: testPostgresUrl() });
    await client.connect();
    try {
      const { rows } = await client.query<{ port: string; dir: string }>("SELECT current_setting('port') AS port, current_setting('data_directory') AS dir");
      expect(rows[0]?.port).not.toBe('5432');
      expect(rows[0]?.dir.startsWith(process.env.ABTEST_STACK_WORKDIR ?? '<no work dir>')).toBe(true);
      const server = execFileSync('ps', ['-eo', 'user,args'], { encoding: 'utf8' }).split('\n').find((line) => line.includes(`-D ${rows[0]?.dir}`));
      expect(server?.split(/\s+/)[0]).toBe(process.getuid?.() === 0 ? 'nobody' : execFileSync('id', ['-un'], { encoding: 'utf8' }).trim());
    } finally {
      await client.end();
    }
  });

  it('should produce with acks=-1 and consume the records back', async () => {
    const topic = uniqueName('acks-all');
    await createTopics(admin, [{ topic, numPartitions: 3 }]);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const metadata = await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
    });
    await producer.disconnect();
    expect(metadata.every((m) => m.errorCode === 0)).toBe(true);

    const records = await readTopic(kafka, topic, (r) => r.length >= 10);
    expect(records.map((r) => r.message.value?.toString()).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `v${i}`).sort());
  });

  it('should hide an aborted transaction from a read_committed consumer and show a committed one', async () => {
    const topic = uniqueName('tx');
    await createTopics(admin, [{ topic, numPartitions: 1 }]);
    const producer = kafka.producer({ transactionalId: uniqueName('tx-id'), idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (const [value, outcome] of [['committed-1', 'commit'], ['aborted', 'abort'], ['committed-2', 'commit']] as const) {
      const transaction = await producer.transaction();
      await transaction.send({ topic, messages: [{ value }] });
      await (outcome === 'commit' ? transaction.commit() : transaction.abort());
    }
    await producer.disconnect();

    const committed = await readTopic(kafka, topic, (r) => r.some((x) => x.message.value?.toString() === 'committed-2'));
    expect(committed.map((r) => r.message.value?.toString())).toEqual(['committed-1', 'committed-2']);
    const uncommitted = await readTopic(kafka, topic, (r) => r.length >= 3, { readUncommitted: true });
    expect(uncommitted.map((r) => r.message.value?.toString())).toEqual(['committed-1', 'aborted', 'committed-2']);
  });

  it('should hide aborted transactions that ended in another order than they started (kafkajs patched)', async () => {
    const topic = uniqueName('tx-order');
    await createTopics(admin, [{ topic, numPartitions: 1 }]);
    const producers = await Promise.all(['early', 'late', 'marker'].map(async (name) => {
      const producer = kafka.producer({ transactionalId: uniqueName(name), idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      return producer;
    }));
    const [early, late, marker] = producers as [Producer, Producer, Producer];
    // The broker lists aborted transactions by the time they ended: here "late" first, although "early" started first.
    const earlyTx = await early.transaction();
    await earlyTx.send({ topic, messages: [{ value: 'aborted-early-1' }] });
    const lateTx = await late.transaction();
    await lateTx.send({ topic, messages: [{ value: 'aborted-late' }] });
    await earlyTx.send({ topic, messages: [{ value: 'aborted-early-2' }] });
    await lateTx.abort();
    await earlyTx.abort();
    const markerTx = await marker.transaction();
    await markerTx.send({ topic, messages: [{ value: 'committed' }] });
    await markerTx.commit();
    await Promise.all(producers.map((p) => p.disconnect()));

    const records = await readTopic(kafka, topic, (r) => r.some((x) => x.message.value?.toString() === 'committed'));
    expect(records.map((r) => r.message.value?.toString())).toEqual(['committed']);
  });

  it('should create a compacted topic and read its configuration back', async () => {
    const topic = uniqueName('compacted');
    await createTopics(admin, [{ topic, numPartitions: 2, configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'min.compaction.lag.ms', value: '0' }] }]);
    const described = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['cleanup.policy'] }], includeSynonyms: false });
    const entry = described.resources[0]?.configEntries.find((e) => e.configName === 'cleanup.policy');
    expect(entry?.configValue).toBe('compact');
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(2);
  });

  it('should round-trip a value through Redis', async () => {
    const redis = new Redis(testStackEnv().redisUrl);
    const key = `${uniqueName('harness')}:greeting`;
    try {
      await redis.set(key, 'hello', 'PX', 60_000);
      expect(await redis.get(key)).toBe('hello');
      expect(await redis.del(key)).toBe(1);
      expect(await redis.get(key)).toBeNull();
    } finally {
      redis.disconnect();
    }
  });

  it('should register an Avro schema and encode then decode a record with it', async () => {
    const registry = new SchemaRegistry({ host: testStackEnv().schemaRegistryUrl });
    const subject = `${uniqueName('harness')}-value`;
    const schema = {
      type: 'record',
      name: 'Greeting',
      namespace: 'abtest.harness',
      fields: [
        { name: 'text', type: 'string' },
        { name: 'count', type: 'long' },
      ],
    };
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
    const encoded = await registry.encode(id, { text: 'hi', count: 3 });
    expect(encoded[0]).toBe(0); // Confluent wire format: magic byte, then the schema id
    expect(encoded.readInt32BE(1)).toBe(id);
    expect(await registry.decode(encoded)).toEqual({ text: 'hi', count: 3 });
  });
});

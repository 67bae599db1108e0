import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigResourceTypes, type Kafka } from 'kafkajs';
import { createKafka, kafkaEnvSchema, toKafkaConnectionConfig } from '@abtest/kafka-io';
import { createTestCertificates, startSaslKafka, type SaslKafkaHandle, type TestCertificates } from '@abtest/local-stack';
import { readTopic, uniqueName } from '@abtest/test-harness';
import { kafkaCliBinDir, runCreateTopics } from './kafka-cli';

const USER = { username: 'abtest-processor', password: 'scram-test-secret' };
const START_TIMEOUT_MS = 120_000;
const MESSAGES = ['a', 'b', 'c'];

/** A client built the way every service builds it: from environment variables only. */
function kafkaFromEnv(env: Record<string, string>): Kafka {
  const parsed = kafkaEnvSchema.safeParse(env);
  if (!parsed.success) throw new Error(`invalid Kafka environment: ${parsed.error.message}`);
  return createKafka(toKafkaConnectionConfig(parsed.data, 'deploy-test'));
}

/** Produces with acks=all over an authenticated connection; returns the partitions' end offsets. */
async function produce(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: MESSAGES.map((value) => ({ key: value, value })) });
    await producer.disconnect();
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
  } finally {
    await admin.disconnect();
  }
}

async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
}

describe('Kafka with SASL and TLS, configured by environment alone', () => {
  let workDir: string;
  let tls: TestCertificates;
  let broker: SaslKafkaHandle;
  let saslSslEnv: Record<string, string>;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'deploy-kafka-sasl-'));
    tls = await createTestCertificates(join(workDir, 'tls'));
    broker = await startSaslKafka({ workDir, log: () => undefined, users: [USER], tls });
    const saslSsl = broker.saslSsl;
    if (!saslSsl) throw new Error('the broker has no SASL_SSL listener');
    saslSslEnv = {
      KAFKA_BROKERS: saslSsl,
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: tls.caFile,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: USER.username,
      KAFKA_SASL_PASSWORD: USER.password,
    };
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await broker?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it.each(['scram-sha-256', 'scram-sha-512', 'plain'])('should produce with KAFKA_SASL_MECHANISM=%s on a SASL_PLAINTEXT listener', async (mechanism) => {
    const kafka = kafkaFromEnv({ KAFKA_BROKERS: broker.saslPlaintext, KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: USER.username, KAFKA_SASL_PASSWORD: USER.password });
    const topic = uniqueName(`sasl-${mechanism}`);
    try {
      expect(await produce(kafka, topic)).toBe(MESSAGES.length);
    } finally {
      await deleteTopics(kafka, [topic]);
    }
  });

  it('should produce and consume in a group over TLS with SCRAM, trusting the CA named by KAFKA_SSL_CA_FILE (SASL_SSL)', async () => {
    const kafka = kafkaFromEnv(saslSslEnv);
    const topic = uniqueName('sasl-ssl');
    try {
      await produce(kafka, topic);
      const records = await readTopic(kafka, topic, (r) => r.length >= MESSAGES.length, { timeoutMs: 20_000 });
      expect(records.map((r) => r.message.value?.toString()).sort()).toEqual(MESSAGES);
    } finally {
      await deleteTopics(kafka, [topic]);
    }
  });

  it('should refuse a wrong password', async () => {
    const kafka = kafkaFromEnv({ ...saslSslEnv, KAFKA_SASL_PASSWORD: 'not-the-password' });
    const admin = kafka.admin();
    await expect(admin.connect()).rejects.toThrow(/SASL SCRAM SHA512 authentication failed/);
    await admin.disconnect();
  });

  it('should refuse a TLS listener whose certificate is not signed by a trusted CA', async () => {
    const { KAFKA_SSL_CA_FILE: _ca, ...withoutCa } = saslSslEnv;
    // The client retries connection errors (CLIENT_RETRY of kafka-io) for a few seconds before giving up.
    const admin = kafkaFromEnv(withoutCa).admin();
    await expect(admin.connect()).rejects.toThrow(/certificate/);
    await admin.disconnect();
  });

  it("should create the topics with the topic Job's script over SASL_SSL, after checking the partitions of existing ones", async () => {
    const binDir = await kafkaCliBinDir(workDir);
    const names = {
      EVENTS_TOPIC: uniqueName('events'),
      INGRESS_DEAD_LETTER_TOPIC: uniqueName('dead-letter'),
      RESULTS_TOPIC: uniqueName('results'),
      BREAKDOWNS_TOPIC: uniqueName('breakdowns'),
      SERIES_TOPIC: uniqueName('series'),
      DECISIONS_TOPIC: uniqueName('decisions'),
    };
    const env = {
      ...saslSslEnv,
      ...names,
      INGRESS_TOPIC: names.EVENTS_TOPIC,
      EVENTS_TOPIC_PARTITIONS: '4',
      INGRESS_TOPIC_PARTITIONS: '4',
      RESULTS_TOPIC_PARTITIONS: '2',
      TOPIC_REPLICATION_FACTOR: '1',
      TOPIC_MIN_INSYNC_REPLICAS: '1',
      KAFKA_BIN_DIR: binDir,
      WORK_DIR: workDir,
    };
    const admin = kafkaFromEnv(saslSslEnv).admin();
    await admin.connect();
    try {
      // A decisions topic left from an earlier configuration stops the run before any change.
      await admin.createTopics({ topics: [{ topic: names.DECISIONS_TOPIC, numPartitions: 1 }], waitForLeaders: true });
      const mismatch = await runCreateTopics(env);
      expect(mismatch.code).not.toBe(0);
      expect(mismatch.output).toContain(`topic ${names.DECISIONS_TOPIC} has 1 partitions, expected 2`);
      expect((await admin.listTopics()).filter((topic) => Object.values(names).includes(topic))).toEqual([names.DECISIONS_TOPIC]);

      await admin.deleteTopics({ topics: [names.DECISIONS_TOPIC] });
      expect(await runCreateTopics(env)).toEqual({ code: 0, output: expect.stringContaining('all topics present with the expected partitions') });
      const again = await runCreateTopics(env);
      expect(again.code).toBe(0);
      expect(again.output).not.toContain('creating');

      const metadata = await admin.fetchTopicMetadata({ topics: Object.values(names) });
      expect(Object.fromEntries(metadata.topics.map((t) => [t.name, t.partitions.length]))).toEqual({
        [names.EVENTS_TOPIC]: 4,
        [names.INGRESS_DEAD_LETTER_TOPIC]: 1,
        [names.RESULTS_TOPIC]: 2,
        [names.BREAKDOWNS_TOPIC]: 2,
        [names.SERIES_TOPIC]: 2,
        [names.DECISIONS_TOPIC]: 2,
      });
      const configs = await admin.describeConfigs({
        resources: Object.values(names).map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['cleanup.policy', 'min.insync.replicas', 'retention.ms'] })),
        includeSynonyms: false,
      });
      const settings = Object.fromEntries(configs.resources.map((r) => [r.resourceName, Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue]))]));
      // The raw events (and their dead letters) are the history: 90 days, not the broker's 7.
      const compacted = { 'cleanup.policy': 'compact', 'min.insync.replicas': '1', 'retention.ms': '604800000' };
      const deleted = { 'cleanup.policy': 'delete', 'min.insync.replicas': '1', 'retention.ms': '7776000000' };
      expect(settings).toEqual({
        [names.EVENTS_TOPIC]: deleted,
        [names.INGRESS_DEAD_LETTER_TOPIC]: deleted,
        [names.RESULTS_TOPIC]: compacted,
        [names.BREAKDOWNS_TOPIC]: compacted,
        [names.SERIES_TOPIC]: compacted,
        [names.DECISIONS_TOPIC]: compacted,
      });
    } finally {
      await admin.deleteTopics({ topics: Object.values(names) }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('should refuse to create topics when the ingress and the processor name different events topics', async () => {
    const outcome = await runCreateTopics({ KAFKA_BROKERS: broker.saslPlaintext, EVENTS_TOPIC: 'a', INGRESS_TOPIC: 'b', KAFKA_BIN_DIR: '/nonexistent' });
    expect(outcome).toEqual({ code: 1, output: 'create-topics: INGRESS_TOPIC (b) and EVENTS_TOPIC (a) must name the same topic\n' });
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEVELOPMENT_SOURCE, loadConfig } from './config';

const base = { KAFKA_BROKERS: '127.0.0.1:9092' };
const sources = JSON.stringify([{ name: 'web', writeKeys: ['wk_1'], rateLimitPerSecond: 100 }, { name: 'hooks', sharedSecrets: ['s'] }]);

function problem(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('should start in development mode with documented defaults and the development source', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      mode: 'development',
      http: { host: '0.0.0.0', port: 8080 },
      sources: [DEVELOPMENT_SOURCE],
      usingDevelopmentSource: true,
      topics: { events: 'segment-events', deadLetter: 'segment-events-dead-letter', extra: [], partitions: 6, deadLetterPartitions: 1, config: { 'retention.ms': '7776000000' } },
      webhook: { maxEvents: 4000, maxBodyBytes: 16 * 1024 * 1024 },
      kafka: { brokers: ['127.0.0.1:9092'], clientId: 'ingress' },
      producerThread: true,
    });
    expect(loadConfig({ ...base, INGRESS_PRODUCER_THREAD: 'false' }).producerThread).toBe(false);
  });

  it('should take CORS origins and an optional Redis for shared rate limits, naming what is wrong', () => {
    expect(loadConfig(base)).toMatchObject({ corsOrigins: [] });
    expect(loadConfig(base).rateLimitRedis).toBeUndefined();
    expect(loadConfig({ ...base, INGRESS_CORS_ORIGINS: 'https://a.example.com, http://localhost:3000' }).corsOrigins).toEqual(['https://a.example.com', 'http://localhost:3000']);
    expect(problem({ ...base, INGRESS_CORS_ORIGINS: 'https://a.example.com/path' })).toMatch(/INGRESS_CORS_ORIGINS: must be \* or a comma-separated list of origins/);
    expect(loadConfig({ ...base, REDIS_URL: 'redis://127.0.0.1:6380' }).rateLimitRedis).toEqual({ mode: 'standalone', url: 'redis://127.0.0.1:6380' });
    expect(problem({ ...base, REDIS_URL: 'redis://127.0.0.1:6380', REDIS_CLUSTER_NODES: 'a:1' })).toMatch(/REDIS_CLUSTER_NODES: must not be set together with REDIS_URL/);
  });

  it('should refuse to start in production mode without configured sources', () => {
    expect(problem({ ...base, INGRESS_MODE: 'production' })).toMatch(/INGRESS_SOURCES: is required when INGRESS_MODE=production/);
    expect(loadConfig({ ...base, INGRESS_MODE: 'production', INGRESS_SOURCES: sources }).sources).toEqual([
      { name: 'web', writeKeys: ['wk_1'], sharedSecrets: [], rateLimitPerSecond: 100 },
      { name: 'hooks', writeKeys: [], sharedSecrets: ['s'] },
    ]);
  });

  it('should prefer INGRESS_PORT over PORT', () => {
    expect(loadConfig({ ...base, PORT: '9000' }).http.port).toBe(9000);
    expect(loadConfig({ ...base, PORT: '9000', INGRESS_PORT: '9100' }).http.port).toBe(9100);
  });

  it('should name the variable and the path of each invalid source', () => {
    const message = problem({ ...base, INGRESS_SOURCES: JSON.stringify([{ name: 'web' }, { name: 'web', writeKeys: ['k'], extra: 1 }]) });
    expect(message).toMatch(/INGRESS_SOURCES\[0\]: needs at least one write key or shared secret/);
    expect(message).toMatch(/INGRESS_SOURCES\[1\]: Unrecognized key/);
    expect(problem({ ...base, INGRESS_SOURCES: '[{' })).toMatch(/INGRESS_SOURCES: is not valid JSON/);
    expect(problem({ ...base, INGRESS_SOURCES: JSON.stringify([{ name: 'a', writeKeys: ['k'] }, { name: 'b', writeKeys: ['k'] }]) })).toMatch(/a write key belongs to two sources/);
  });

  it('should report every invalid variable at once', () => {
    const message = problem({ INGRESS_PORT: 'http', INGRESS_TOPIC: 'bad topic', LOG_LEVEL: 'loud', KAFKA_SASL_MECHANISM: 'gssapi' });
    for (const name of ['KAFKA_BROKERS', 'INGRESS_PORT', 'INGRESS_TOPIC', 'LOG_LEVEL', 'KAFKA_SASL_MECHANISM']) expect(message).toContain(name);
  });

  it('should refuse a dead-letter topic that is also an event topic', () => {
    expect(problem({ ...base, INGRESS_DEAD_LETTER_TOPIC: 'segment-events' })).toMatch(/INGRESS_DEAD_LETTER_TOPIC/);
    expect(problem({ ...base, INGRESS_EXTRA_TOPICS: 'a,segment-events-dead-letter' })).toMatch(/INGRESS_DEAD_LETTER_TOPIC/);
  });

  it('should read the topic allow-list and topic settings', () => {
    const config = loadConfig({ ...base, INGRESS_EXTRA_TOPICS: 'mobile, server ,', INGRESS_TOPIC_CONFIG: '{"retention.ms":"604800000"}', INGRESS_TOPIC_REPLICATION_FACTOR: '3' });
    expect(config.topics).toMatchObject({ extra: ['mobile', 'server'], config: { 'retention.ms': '604800000' }, replicationFactor: 3 });
    expect(problem({ ...base, INGRESS_TOPIC_CONFIG: '{"retention.ms":1}' })).toMatch(/INGRESS_TOPIC_CONFIG.*values must be strings/);
  });

  it('should keep the events 90 days unless INGRESS_TOPIC_CONFIG sets retention.ms: they are the history state is rebuilt from', () => {
    expect(loadConfig(base).topics.config).toEqual({ 'retention.ms': String(90 * 24 * 3_600_000) });
    expect(loadConfig({ ...base, INGRESS_TOPIC_CONFIG: '{"min.insync.replicas":"2"}' }).topics.config).toEqual({ 'retention.ms': '7776000000', 'min.insync.replicas': '2' });
    expect(loadConfig({ ...base, INGRESS_TOPIC_CONFIG: '{"retention.ms":"-1"}' }).topics.config).toEqual({ 'retention.ms': '-1' });
  });

  it('should configure SASL and TLS by variables alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ingress-config-'));
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
    const config = loadConfig({
      ...base,
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: join(dir, 'ca.pem'),
      KAFKA_SASL_MECHANISM: 'scram-sha-256',
      KAFKA_SASL_USERNAME: 'user',
      KAFKA_SASL_PASSWORD: 'pass',
    });
    expect(config.kafka.sasl).toEqual({ mechanism: 'scram-sha-256', username: 'user', password: 'pass' });
    expect(config.kafka.ssl).toEqual({ rejectUnauthorized: true, ca: [expect.stringContaining('BEGIN CERTIFICATE')] });
    expect(loadConfig({ ...base, KAFKA_SSL: 'true' }).kafka.ssl).toBe(true);
    expect(problem({ ...base, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'user' })).toMatch(/KAFKA_SASL_PASSWORD: is required when KAFKA_SASL_MECHANISM is plain/);
    expect(problem({ ...base, KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: join(dir, 'missing.pem') })).toMatch(/KAFKA_SSL_CA_FILE: cannot read/);
    rmSync(dir, { recursive: true, force: true });
  });
});

import { kafkaEnvSchema, toKafkaConnectionConfig } from './config';

const parse = (env: Record<string, string>) => kafkaEnvSchema.safeParse(env);

describe('kafka environment', () => {
  it('should build a plain connection from KAFKA_BROKERS alone', () => {
    const parsed = parse({ KAFKA_BROKERS: 'a:9092, b:9093' });
    if (!parsed.success) throw parsed.error;
    expect(toKafkaConnectionConfig(parsed.data, 'svc')).toEqual({ brokers: ['a:9092', 'b:9093'], clientId: 'svc', connectionTimeoutMs: 3_000, requestTimeoutMs: 30_000 });
  });

  it.each(['plain', 'scram-sha-256', 'scram-sha-512'] as const)('should configure SASL %s over TLS', (mechanism) => {
    const parsed = parse({ KAFKA_BROKERS: 'a:9092', KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p', KAFKA_CLIENT_ID: 'mine' });
    if (!parsed.success) throw parsed.error;
    expect(toKafkaConnectionConfig(parsed.data, 'svc')).toMatchObject({ ssl: true, sasl: { mechanism, username: 'u', password: 'p' }, clientId: 'mine' });
  });

  it('should refuse incomplete SASL, TLS client certificates and malformed brokers, naming the variable', () => {
    const issues = (env: Record<string, string>) => {
      const parsed = parse(env);
      return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    };
    expect(issues({ KAFKA_BROKERS: 'a:1', KAFKA_SASL_MECHANISM: 'plain' })).toEqual([
      'KAFKA_SASL_USERNAME: is required when KAFKA_SASL_MECHANISM is plain',
      'KAFKA_SASL_PASSWORD: is required when KAFKA_SASL_MECHANISM is plain',
    ]);
    expect(issues({ KAFKA_BROKERS: 'a:1', KAFKA_SASL_USERNAME: 'u' })).toEqual(['KAFKA_SASL_MECHANISM: is required when KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD are set']);
    expect(issues({ KAFKA_BROKERS: 'localhost' })).toEqual(['KAFKA_BROKERS: must be a comma-separated list of host:port']);
    expect(issues({})).toEqual(['KAFKA_BROKERS: is required: a comma-separated list of host:port']);
    expect(issues({ KAFKA_BROKERS: 'a:1', KAFKA_SSL: 'yes' })).toEqual(['KAFKA_SSL: must be true or false']);
  });
});

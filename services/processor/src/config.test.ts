import { loadConfig, ProcessorConfigError } from './config';

describe('Processor > config', () => {
  const base = { KAFKA_BROKERS: '127.0.0.1:9092', REDIS_URL: 'redis://127.0.0.1:6379' };

  it('should apply the documented defaults', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({ applicationId: 'abtest-processor', eventsTopic: 'segment-events', resultsTopic: 'experiment-results', commitIntervalMs: 250, port: 8081 });
    expect(config.redis).toMatchObject({ mode: 'standalone', url: 'redis://127.0.0.1:6379' });
  });

  it('should take a Redis Cluster by configuration alone', () => {
    const config = loadConfig({ KAFKA_BROKERS: base.KAFKA_BROKERS, REDIS_CLUSTER_NODES: '10.0.0.1:6379,10.0.0.2:6379', REDIS_PASSWORD: 'secret' });
    expect(config.redis).toMatchObject({ mode: 'cluster', nodes: [{ host: '10.0.0.1', port: 6379 }, { host: '10.0.0.2', port: 6379 }], password: 'secret' });
  });

  it('should name every wrong variable, including the shared Kafka and Redis ones', () => {
    const load = () => loadConfig({ KAFKA_BROKERS: 'nohost', COMMIT_INTERVAL_MS: '0', PROCESSOR_APPLICATION_ID: 'bad id' });
    expect(load).toThrow(ProcessorConfigError);
    expect(load).toThrow(/COMMIT_INTERVAL_MS must be positive/);
    expect(load).toThrow(/PROCESSOR_APPLICATION_ID must match/);
    expect(load).toThrow(/KAFKA_BROKERS must be a comma-separated list of host:port/);
  });

  it('should take PROCESSOR_PORT=0 as any free port, and refuse a port past 65535', () => {
    expect(loadConfig({ ...base, PROCESSOR_PORT: '0' }).port).toBe(0);
    expect(() => loadConfig({ ...base, PROCESSOR_PORT: '65536' })).toThrow(/PROCESSOR_PORT must be at most 65535/);
  });

  it('should refuse a configuration without Redis', () => {
    expect(() => loadConfig({ KAFKA_BROKERS: base.KAFKA_BROKERS })).toThrow(/REDIS_URL is required/);
  });
});

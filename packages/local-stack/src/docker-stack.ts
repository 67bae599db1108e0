import { execFile } from 'node:child_process';
import type { StackEndpoints } from './stack';

/** Images used where a Docker engine runs; the same versions as the local path. */
export const DOCKER_IMAGES = {
  kafka: 'apache/kafka:4.4.0',
  redis: 'redis:7.2-alpine',
  schemaRegistry: 'apicurio/apicurio-registry:3.0.9',
  postgres: 'postgres:15-alpine',
} as const;

const KAFKA_PORT = 9092;
const REDIS_PORT = 6379;
const REGISTRY_PORT = 8080;
const POSTGRES_PORT = 5432;

/** True when a Docker engine answers (the docker CLI alone is not enough). */
export function isDockerEngineAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 5_000 }, (error) => resolve(!error));
  });
}

/**
 * The testcontainers path, for machines with a Docker engine. testcontainers
 * is loaded lazily so machines without Docker never touch it.
 */
export async function startDockerStack(log: (message: string) => void, options: { postgres: boolean }): Promise<{ endpoints: StackEndpoints; stop: () => Promise<void> }> {
  const { GenericContainer, Wait } = await import('testcontainers');
  log(`stack: a Docker engine answers; starting Kafka, Redis, the schema registry${options.postgres ? ' and PostgreSQL' : ''} with testcontainers`);
  const kafka = await new GenericContainer(DOCKER_IMAGES.kafka)
    .withExposedPorts({ container: KAFKA_PORT, host: KAFKA_PORT })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: `PLAINTEXT://:${KAFKA_PORT},CONTROLLER://:9093`,
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://localhost:${KAFKA_PORT}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  const redis = await new GenericContainer(DOCKER_IMAGES.redis).withExposedPorts(REDIS_PORT).start();
  const registry = await new GenericContainer(DOCKER_IMAGES.schemaRegistry)
    .withExposedPorts(REGISTRY_PORT)
    .withWaitStrategy(Wait.forHttp('/apis/ccompat/v7/subjects', REGISTRY_PORT))
    .start();
  const postgres = options.postgres
    ? await new GenericContainer(DOCKER_IMAGES.postgres)
        .withExposedPorts(POSTGRES_PORT)
        .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
        // The image's entrypoint starts the server twice (once to initialise): ready is the second time.
        .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
        .start()
    : undefined;
  return {
    endpoints: {
      kafkaBrokers: [`localhost:${KAFKA_PORT}`],
      redisUrl: `redis://${redis.getHost()}:${redis.getMappedPort(REDIS_PORT)}`,
      schemaRegistryUrl: `http://${registry.getHost()}:${registry.getMappedPort(REGISTRY_PORT)}/apis/ccompat/v7`,
      ...(postgres ? { postgresUrl: `postgresql://postgres@${postgres.getHost()}:${postgres.getMappedPort(POSTGRES_PORT)}/postgres` } : {}),
    },
    stop: async () => {
      await Promise.all([registry.stop(), redis.stop(), kafka.stop(), postgres?.stop()]);
    },
  };
}

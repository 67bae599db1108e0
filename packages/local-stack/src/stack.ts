import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDockerStack, isDockerEngineAvailable } from './docker-stack';
import { startKafka } from './kafka';
import { startRedis } from './redis';
import { startSchemaRegistry } from './schema-registry';

/** Where the pipeline's dependencies are reachable. */
export interface StackEndpoints {
  kafkaBrokers: string[];
  redisUrl: string;
  schemaRegistryUrl: string;
}

export interface Stack extends StackEndpoints {
  /** How each service was provided, for logs: "local", "docker" or "external". */
  provenance: Record<keyof StackEndpoints, 'local' | 'docker' | 'external'>;
  /** Temporary directory with data and logs of the local processes. */
  workDir: string;
  /** Stops everything this stack started (not external services) and removes workDir. */
  stop(): Promise<void>;
}

export interface StartStackOptions {
  log: (message: string) => void;
  /** Environment to read KAFKA_BROKERS / REDIS_URL / SCHEMA_REGISTRY_URL from. */
  env?: NodeJS.ProcessEnv;
  /** "local" forces local processes even where a Docker engine runs. */
  mode?: 'auto' | 'local' | 'docker';
  /** Keep the work directory (logs) after stop(), e.g. when tests failed. */
  keepWorkDir?: boolean;
}

type Stopper = () => Promise<void>;

/**
 * Provides Kafka, Redis and a schema registry: each one given by environment
 * variable is used as it is; the rest are started as local processes (or, on
 * a machine with a Docker engine and mode "auto"/"docker", as containers).
 * Whatever is started is stopped by stop(), in reverse order, even if a later
 * start fails.
 */
export async function startStack(options: StartStackOptions): Promise<Stack> {
  const env = options.env ?? process.env;
  const mode = options.mode ?? (env.STACK_MODE === 'local' || env.STACK_MODE === 'docker' ? env.STACK_MODE : 'auto');
  const workDir = mkdtempSync(join(tmpdir(), 'abtest-stack-'));
  const stoppers: Stopper[] = [];
  const stop = async () => {
    for (const stopOne of stoppers.reverse()) await stopOne();
    if (!options.keepWorkDir) rmSync(workDir, { recursive: true, force: true });
  };
  const external = {
    kafkaBrokers: env.KAFKA_BROKERS ? env.KAFKA_BROKERS.split(',').map((b) => b.trim()) : undefined,
    redisUrl: env.REDIS_URL || undefined,
    schemaRegistryUrl: env.SCHEMA_REGISTRY_URL || undefined,
  };
  try {
    if (mode === 'docker' || (mode === 'auto' && !external.kafkaBrokers && !external.redisUrl && !external.schemaRegistryUrl && (await isDockerEngineAvailable()))) {
      const docker = await startDockerStack(options.log);
      stoppers.push(docker.stop);
      return { ...docker.endpoints, provenance: { kafkaBrokers: 'docker', redisUrl: 'docker', schemaRegistryUrl: 'docker' }, workDir, stop };
    }
    const local = { workDir, log: options.log };
    const started = <T extends { stop: Stopper }>(handle: T): T => (stoppers.push(handle.stop), handle);
    const [kafkaBrokers, redisUrl, schemaRegistryUrl] = await Promise.all([
      external.kafkaBrokers ?? startKafka(local).then((kafka) => started(kafka).brokers),
      external.redisUrl ?? startRedis(local).then((redis) => started(redis).url),
      external.schemaRegistryUrl ?? startSchemaRegistry(local).then((registry) => started(registry).url),
    ]);
    const provenance = {
      kafkaBrokers: external.kafkaBrokers ? 'external' : 'local',
      redisUrl: external.redisUrl ? 'external' : 'local',
      schemaRegistryUrl: external.schemaRegistryUrl ? 'external' : 'local',
    } as const;
    return { kafkaBrokers, redisUrl, schemaRegistryUrl, provenance, workDir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The environment variables through which services and tests find the stack. */
export function stackEnvironment(endpoints: StackEndpoints): Record<string, string> {
  return {
    KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
    REDIS_URL: endpoints.redisUrl,
    SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
  };
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDockerStack, isDockerEngineAvailable } from './docker-stack';
import { startKafka } from './kafka';
import { startPostgres } from './postgres';
import { startRedis } from './redis';
import { startSchemaRegistry } from './schema-registry';

/** Where the pipeline's dependencies are reachable. */
export interface StackEndpoints {
  kafkaBrokers: string[];
  redisUrl: string;
  schemaRegistryUrl: string;
  /** Only where PostgreSQL was asked for (`StartStackOptions.postgres`). */
  postgresUrl?: string;
}

export type Provenance = 'local' | 'docker' | 'external';

export interface Stack extends StackEndpoints {
  /** How each service was provided, for logs: "local", "docker" or "external". */
  provenance: Record<Exclude<keyof StackEndpoints, 'postgresUrl'>, Provenance> & { postgresUrl?: Provenance };
  /** Temporary directory with data and logs of the local processes. */
  workDir: string;
  /** Stops everything this stack started (not external services) and removes workDir unless told to keep it. */
  stop(options?: { keepWorkDir?: boolean }): Promise<void>;
}

export interface StartStackOptions {
  log: (message: string) => void;
  /** Environment to read KAFKA_BROKERS / REDIS_URL / SCHEMA_REGISTRY_URL / PG_URL from. */
  env?: NodeJS.ProcessEnv;
  /** "local" forces local processes even where a Docker engine runs. */
  mode?: 'auto' | 'local' | 'docker';
  /** Keep the work directory (logs) after stop(), e.g. when tests failed. */
  keepWorkDir?: boolean;
  /** Also provide PostgreSQL (the integration tests' SQL oracle; the services do not use it). */
  postgres?: boolean;
}

type Stopper = () => Promise<void>;

/**
 * Provides Kafka, Redis, a schema registry and, if asked, PostgreSQL: each one given by environment
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
  const stop = async (stopOptions?: { keepWorkDir?: boolean }) => {
    for (const stopOne of stoppers.reverse()) await stopOne();
    if (!(stopOptions?.keepWorkDir ?? options.keepWorkDir)) rmSync(workDir, { recursive: true, force: true });
  };
  const external = {
    kafkaBrokers: env.KAFKA_BROKERS ? env.KAFKA_BROKERS.split(',').map((b) => b.trim()) : undefined,
    redisUrl: env.REDIS_URL || undefined,
    schemaRegistryUrl: env.SCHEMA_REGISTRY_URL || undefined,
    postgresUrl: (options.postgres && env.PG_URL) || undefined,
  };
  try {
    const anyExternal = Object.values(external).some((value) => value !== undefined);
    if (mode === 'docker' || (mode === 'auto' && !anyExternal && (await isDockerEngineAvailable()))) {
      const docker = await startDockerStack(options.log, { postgres: options.postgres ?? false });
      stoppers.push(docker.stop);
      const provenance: Stack['provenance'] = { kafkaBrokers: 'docker', redisUrl: 'docker', schemaRegistryUrl: 'docker', ...(options.postgres ? { postgresUrl: 'docker' } : {}) };
      return { ...docker.endpoints, provenance, workDir, stop };
    }
    const local = { workDir, log: options.log };
    const started = <T extends { stop: Stopper }>(handle: T): T => (stoppers.push(handle.stop), handle);
    // Settled, not raced: a start still running when another fails would register its stopper too late.
    const [kafkaBrokers, redisUrl, schemaRegistryUrl, postgresUrl] = await allStarted([
      external.kafkaBrokers ?? startKafka(local).then((kafka) => started(kafka).brokers),
      external.redisUrl ?? startRedis(local).then((redis) => started(redis).url),
      external.schemaRegistryUrl ?? startSchemaRegistry(local).then((registry) => started(registry).url),
      options.postgres ? (external.postgresUrl ?? startPostgres(local).then((postgres) => started(postgres).url)) : undefined,
    ]);
    const from = (value: unknown): Provenance => (value ? 'external' : 'local');
    const provenance = {
      kafkaBrokers: from(external.kafkaBrokers),
      redisUrl: from(external.redisUrl),
      schemaRegistryUrl: from(external.schemaRegistryUrl),
      ...(options.postgres ? { postgresUrl: from(external.postgresUrl) } : {}),
    };
    return { kafkaBrokers, redisUrl, schemaRegistryUrl, ...(postgresUrl ? { postgresUrl } : {}), provenance, workDir, stop };
  } catch (error) {
    await stop({ keepWorkDir: true });
    options.log(`stack: start-up failed; logs kept in ${workDir}`);
    throw error;
  }
}

/** Like Promise.all, but waits for every start to end before throwing the first failure. */
async function allStarted<T extends readonly unknown[]>(starts: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(starts);
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}

/** The environment variables through which services and tests find the stack. */
export function stackEnvironment(endpoints: StackEndpoints): Record<string, string> {
  return {
    KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
    REDIS_URL: endpoints.redisUrl,
    SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
    ...(endpoints.postgresUrl ? { PG_URL: endpoints.postgresUrl } : {}),
  };
}

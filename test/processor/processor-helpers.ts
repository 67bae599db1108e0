import { waitFor } from '@abtest/local-stack';
import { createLogger } from '@abtest/observability';
import { loadConfig, startProcessor, type ProcessorConfig, type RunningProcessor } from '@abtest/processor';
import { testStackEnv } from '@abtest/test-harness';

export interface TestProcessor extends RunningProcessor {
  config: ProcessorConfig;
  stop(): Promise<void>;
}

/**
 * The test stack's Kafka, Redis and registry as the processor reads them, then the test's own variables.
 * Backfills are off unless a test turns them on: a rebuild re-reads the whole events topic, and the tests
 * that change definitions mid-stream assert the live generation's figures (backfill.integration.test.ts
 * tests rebuilds).
 */
export function processorEnv(env: Record<string, string>): Record<string, string> {
  const stack = testStackEnv();
  return { KAFKA_BROKERS: stack.kafkaBrokers.join(','), REDIS_URL: stack.redisUrl, SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl, BACKFILL_ON_DEFINITION_CHANGE: 'false', ...env };
}

/** A processor in this process on a free port, configured from `env` as production is from the environment. */
export async function startTestProcessor(env: Record<string, string>): Promise<TestProcessor> {
  const config = loadConfig(processorEnv({ PROCESSOR_PORT: '0', LOG_LEVEL: process.env.PROCESSOR_TEST_LOG_LEVEL ?? 'silent', ...env }));
  const logger = createLogger({ name: 'processor', level: config.logLevel, base: { applicationId: config.applicationId } });
  const running = await startProcessor(config, { logger, exit: () => undefined });
  return { ...running, config, stop: () => running.shutdown('test over') };
}

/** A processor to wait for: its URL and, for a child process, why waiting is pointless once it exited. */
export interface ProcessorInstance {
  url: string;
  stopped?(): string | undefined;
}

/** Waits until the instance reports ready (joined, assigned partitions restored). */
export async function waitUntilReady(instance: ProcessorInstance, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => {
      const stopped = instance.stopped?.();
      if (stopped) throw new Error(stopped);
      return (await fetch(`${instance.url}/readyz`)).status === 200;
    },
    { description: `processor at ${instance.url} to be ready`, timeoutMs, intervalMs: 200 },
  );
}

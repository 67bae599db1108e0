// jest's moduleNameMapper does not apply to global setup modules: this is the built package (npm test builds first).
import { startStack, stackEnvironment, type Stack } from '@abtest/local-stack';

declare global {
  var __ABTEST_STACK__: Stack | undefined;
}

/**
 * Starts the real stack once per test run (Kafka, Redis, schema registry and
 * PostgreSQL, the SQL oracle of some tests, or the ones named by
 * KAFKA_BROKERS / REDIS_URL / SCHEMA_REGISTRY_URL / PG_URL) and hands the
 * endpoints to the test workers through the environment.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const stack = await startStack({ log: (message) => process.stderr.write(`[stack] ${message}\n`), keepWorkDir: process.env.KEEP_STACK_LOGS === '1', postgres: true });
  globalThis.__ABTEST_STACK__ = stack;
  Object.assign(process.env, stackEnvironment(stack), { ABTEST_STACK_WORKDIR: stack.workDir, ABTEST_STACK_PROVENANCE: JSON.stringify(stack.provenance) });
  process.stderr.write(`[stack] ready in ${Date.now() - started} ms (work dir ${stack.workDir})\n`);
}

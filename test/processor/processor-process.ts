import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getFreePort, ManagedProcess, waitFor } from '@abtest/local-stack';
import { testStackEnv } from '@abtest/test-harness';

const MAIN = resolve(__dirname, '../../services/processor/dist/main.js');

export interface ProcessorProcess {
  port: number;
  process: ManagedProcess;
  logFile: string;
}

/** Runs the built processor service as a child process, as production does. */
export async function startProcessor(env: Record<string, string>): Promise<ProcessorProcess> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  const stack = testStackEnv();
  const port = await getFreePort();
  const logFile = join(mkdtempSync(join(tmpdir(), 'processor-')), 'processor.log');
  const process = ManagedProcess.start({
    name: 'processor',
    command: globalThis.process.execPath,
    args: [MAIN],
    env: { ...globalThis.process.env, KAFKA_BROKERS: stack.kafkaBrokers.join(','), REDIS_URL: stack.redisUrl, SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl, PROCESSOR_PORT: String(port), LOG_LEVEL: 'warn', ...env },
    logFile,
    stopTimeoutMs: 30_000,
  });
  return { port, process, logFile };
}

/** Waits until the instance reports ready (joined, assigned partitions restored). */
export async function waitUntilReady(instance: ProcessorProcess, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => {
      if (!instance.process.isRunning) throw new Error(`the processor exited; see ${instance.logFile}`);
      return (await fetch(`http://127.0.0.1:${instance.port}/readyz`)).status === 200;
    },
    { description: `processor on port ${instance.port} to be ready`, timeoutMs, intervalMs: 200 },
  );
}

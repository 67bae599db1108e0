import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getFreePort, ManagedProcess } from '@abtest/local-stack';
import { processorEnv, type ProcessorInstance } from './processor-helpers';

const MAIN = resolve(__dirname, '../../services/processor/dist/main.js');

export interface ProcessorProcess extends ProcessorInstance {
  port: number;
  process: ManagedProcess;
  logFile: string;
}

/**
 * Runs the built processor service as a child process, as production does:
 * for tests that SIGKILL it or run the built services together
 * (`startTestProcessor` runs one in the test's own process).
 */
export async function startProcessorProcess(env: Record<string, string>): Promise<ProcessorProcess> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  const port = await getFreePort();
  const logFile = join(mkdtempSync(join(tmpdir(), 'processor-')), 'processor.log');
  const child = ManagedProcess.start({
    name: 'processor',
    command: process.execPath,
    args: [MAIN],
    env: { ...process.env, ...processorEnv({ PROCESSOR_PORT: String(port), LOG_LEVEL: 'warn', ...env }) },
    logFile,
    stopTimeoutMs: 30_000,
  });
  return { port, url: `http://127.0.0.1:${port}`, process: child, logFile, stopped: () => (child.isRunning ? undefined : `the processor exited; see ${logFile}`) };
}

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ManagedProcess, getFreePort, waitFor } from '@abtest/local-stack';

const ROOT = resolve(__dirname, '../..');
const MAIN = join(ROOT, 'services/ingress/dist/main.js');

/** Builds the ingress and the packages it uses (incremental: quick when nothing changed). */
export function buildIngress(): void {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', join(ROOT, 'services/ingress/tsconfig.build.json')], { cwd: ROOT, stdio: 'pipe' });
}

export interface IngressProcess {
  url: string;
  process: ManagedProcess;
  logFile: string;
  log(): string;
  /** Stops the process if it still runs and removes its log. */
  cleanUp(): Promise<void>;
}

/** Runs the built ingress as a child process, as production does (`node dist/main.js`). */
export async function startIngressProcess(env: Record<string, string>): Promise<IngressProcess> {
  const port = await getFreePort();
  const logFile = join(mkdtempSync(join(tmpdir(), 'ingress-')), 'ingress.log');
  const child = ManagedProcess.start({
    name: 'ingress',
    command: process.execPath,
    args: [MAIN],
    env: { ...process.env, INGRESS_HOST: '127.0.0.1', INGRESS_PORT: String(port), LOG_LEVEL: 'info', ...env },
    logFile,
    stopTimeoutMs: 30_000,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (!child.isRunning) throw new Error(`the ingress exited; see ${logFile}`);
      return (await fetch(`${url}/readyz`)).status === 200;
    },
    { description: `the ingress on port ${port} to be ready`, timeoutMs: 30_000, intervalMs: 100 },
  );
  const cleanUp = async () => {
    await child.stop();
    rmSync(dirname(logFile), { recursive: true, force: true });
  };
  return { url, process: child, logFile, log: () => readFileSync(logFile, 'utf8'), cleanUp };
}

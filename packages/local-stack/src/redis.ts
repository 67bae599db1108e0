import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import Redis from 'ioredis';
import { ensureDebianPackage } from './debian-package';
import { StackError } from './errors';
import { getFreePort } from './free-port';
import { ManagedProcess } from './managed-process';
import { waitFor } from './wait';

const STARTUP_TIMEOUT_MS = 20_000;

export interface RedisHandle {
  url: string;
  port: number;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export interface StartRedisOptions {
  workDir: string;
  log: (message: string) => void;
  /** Extra `redis-server` arguments, e.g. for cluster mode. */
  extraArgs?: string[];
  port?: number;
  name?: string;
}

/**
 * Starts a redis-server of our own on a free loopback port (never the
 * machine's shared instance), keeping nothing on disk. Installs Debian's
 * redis-server package first if the binary is missing.
 */
export async function startRedis(options: StartRedisOptions): Promise<RedisHandle> {
  ensureDebianPackage(
    { name: 'redis-server', isInstalled: () => spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0, otherwise: 'set REDIS_URL' },
    options.log,
  );
  const port = options.port ?? (await getFreePort());
  const name = options.name ?? 'redis';
  const dir = join(options.workDir, name);
  mkdirSync(dir, { recursive: true });
  const process = ManagedProcess.start({
    name,
    command: 'redis-server',
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...(options.extraArgs ?? [])],
    logFile: join(options.workDir, `${name}.log`),
  });
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // Connection failures reject connect() inside waitFor, which reports the last one.
  client.on('error', () => undefined);
  try {
    await waitFor(
      async () => {
        if (client.status === 'wait' || client.status === 'end') await client.connect();
        return (await client.ping()) === 'PONG';
      },
      {
        description: `redis-server on port ${port} to answer PING`,
        timeoutMs: STARTUP_TIMEOUT_MS,
        failFast: () => (process.isRunning ? undefined : new StackError(`redis-server exited during start-up (see ${name}.log)`)),
      },
    );
  } catch (error) {
    await process.stop();
    throw error;
  } finally {
    client.disconnect();
  }
  options.log(`${name}: redis-server listening on ${url}`);
  return { url, port, process, stop: () => process.stop() };
}

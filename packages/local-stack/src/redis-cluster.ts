import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { StackError } from './errors';
import { startRedis, type RedisHandle } from './redis';
import { waitFor } from './wait';

const run = promisify(execFile);
/** Three masters is the smallest cluster `redis-cli --cluster create` accepts. */
const DEFAULT_MASTERS = 3;
/** Failure detection time of the nodes; short, since nothing fails over in a test cluster. */
const NODE_TIMEOUT_MS = 5_000;
const CLUSTER_READY_TIMEOUT_MS = 20_000;
const CREATE_TIMEOUT_MS = 30_000;

export interface RedisClusterHandle {
  /** The masters, each owning a third (or 1/masters) of the 16384 slots. */
  nodes: Array<{ host: string; port: number }>;
  /** `host:port,host:port,…`: the form of REDIS_CLUSTER_NODES. */
  nodeList: string;
  servers: RedisHandle[];
  stop(): Promise<void>;
}

export interface StartRedisClusterOptions {
  workDir: string;
  log: (message: string) => void;
  masters?: number;
}

/**
 * Starts a Redis Cluster of `masters` masters and no replicas: redis-server
 * processes with `--cluster-enabled yes` (each a ManagedProcess of its own,
 * see startRedis), joined with `redis-cli --cluster create`, and waits until
 * every node reports `cluster_state:ok`.
 */
export async function startRedisCluster(options: StartRedisClusterOptions): Promise<RedisClusterHandle> {
  const masters = options.masters ?? DEFAULT_MASTERS;
  const servers: RedisHandle[] = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
  };
  try {
    const started = await Promise.allSettled(
      Array.from({ length: masters }, (_, i) =>
        startRedis({
          workDir: options.workDir,
          log: options.log,
          name: `redis-cluster-${i + 1}`,
          extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(NODE_TIMEOUT_MS)],
        }),
      ),
    );
    for (const outcome of started) if (outcome.status === 'fulfilled') servers.push(outcome.value);
    const failed = started.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed) throw failed.reason;

    const nodes = servers.map((server) => ({ host: '127.0.0.1', port: server.port }));
    const addresses = nodes.map((node) => `${node.host}:${node.port}`);
    try {
      await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { timeout: CREATE_TIMEOUT_MS });
    } catch (error) {
      throw new StackError(`redis-cli --cluster create ${addresses.join(' ')} failed: ${String(error)}`, { cause: error });
    }
    await Promise.all(nodes.map((node) => waitForClusterOk(node.port)));
    options.log(`redis-cluster: ${masters} masters on ${addresses.join(',')}`);
    return { nodes, nodeList: addresses.join(','), servers, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitForClusterOk(port: number): Promise<void> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await waitFor(
      async () => {
        if (client.status === 'wait' || client.status === 'end') await client.connect();
        const info = await client.cluster('INFO');
        return info.includes('cluster_state:ok');
      },
      { description: `Redis Cluster node 127.0.0.1:${port} to report cluster_state:ok`, timeoutMs: CLUSTER_READY_TIMEOUT_MS },
    );
  } finally {
    client.disconnect();
  }
}

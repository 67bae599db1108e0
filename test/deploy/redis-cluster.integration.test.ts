import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import type Redis from 'ioredis';
import { startRedisCluster, type RedisClusterHandle } from '@abtest/local-stack';
import { createRedis, redisEnvSchema, toRedisConnectionConfig } from '@abtest/redis-io';
import { uniqueName } from '@abtest/test-harness';
import { APPLICATION_ID, expectedRoundTrip, loadStateScripts, taskKeys, taskRoundTrip } from './streams-state';

/** Two sub-topologies over six partitions: the processor's tasks with the default settings. */
const TASK_IDS = [0, 1].flatMap((subtopology) => Array.from({ length: 6 }, (_, partition) => `${subtopology}_${partition}`));
const MASTERS = 3;

type SlotRange = [number, number, [string, number, ...unknown[]], ...unknown[]];

describe('Streams state on a Redis Cluster (3 masters), configured by REDIS_CLUSTER_NODES', () => {
  let workDir: string;
  let cluster: RedisClusterHandle;
  let redis: Redis | Cluster;
  let keyPrefix: string;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'deploy-redis-cluster-'));
    cluster = await startRedisCluster({ workDir, log: () => undefined, masters: MASTERS });
    redis = createRedis(toRedisConnectionConfig(redisEnvSchema.parse({ REDIS_CLUSTER_NODES: cluster.nodeList })), { maxRetriesPerRequest: 3 });
    keyPrefix = `${uniqueName('deploy')}:`;
  });

  afterAll(async () => {
    await redis?.quit();
    await cluster?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  /** host:port of the master owning `key`'s slot. */
  async function masterOf(key: string): Promise<string> {
    const slot = await redis.cluster('KEYSLOT', key);
    const ranges = (await redis.cluster('SLOTS')) as unknown as SlotRange[];
    const range = ranges.find(([start, end]) => slot >= start && slot <= end);
    if (!range) throw new Error(`no master owns slot ${slot}`);
    return `${range[2][0]}:${range[2][1]}`;
  }

  it('should be a Cluster client spread over every master', async () => {
    expect(redis).toBeInstanceOf(Cluster);
    const masters = new Set(await Promise.all(TASK_IDS.map((taskId) => masterOf(taskKeys(keyPrefix, APPLICATION_ID, taskId).checkpoint))));
    expect(masters.size).toBe(MASTERS);
  });

  it("should keep every key of one task in its checkpoint's slot (the hash tag)", async () => {
    for (const taskId of TASK_IDS.slice(0, 3)) {
      const keys = taskKeys(keyPrefix, APPLICATION_ID, taskId);
      const slots = await Promise.all([keys.checkpoint, keys.entry('results', 'e1'), keys.entry('persons', 'p1')].map((key) => redis.cluster('KEYSLOT', key)));
      expect(new Set(slots).size).toBe(1);
    }
  });

  it("should claim, apply, fence and read back every task with the runtime's scripts", async () => {
    for (const taskId of TASK_IDS) {
      const { staleWrite, ...roundTrip } = await taskRoundTrip(redis, keyPrefix, taskId);
      expect(roundTrip).toEqual(expectedRoundTrip(taskId));
      await expect(staleWrite).rejects.toMatchObject({ name: 'TaskFencedError' });
    }
  });

  it('should refuse one script over the keys of two tasks: without the hash tag the runtime could not run on a cluster', async () => {
    const [first, second] = ['0_0', '0_1'].map((taskId) => taskKeys(keyPrefix, APPLICATION_ID, taskId));
    if (!first || !second) throw new Error('two tasks expected');
    await expect(loadStateScripts(redis).readEntries([first.checkpoint, second.entry('results', 'e1')], '1')).rejects.toThrow(/CROSSSLOT/);
  });
});

import type Redis from 'ioredis';
import type { Cluster } from 'ioredis';
// The runtime's Redis layer is internal to @abtest/streams: its testing entry exposes it for these tests.
import { loadStateScripts, taskKeys, TaskState, type StateScripts } from '@abtest/streams/testing';

export const APPLICATION_ID = 'abtest-processor';
const STORES = [{ name: 'results' }, { name: 'persons', retentionMs: 60_000 }];
const CACHE_ENTRIES = 100;

export { loadStateScripts, taskKeys, type StateScripts };

export interface TaskRoundTrip {
  /** What the second owner found when it claimed the task. */
  existed: boolean;
  positions: Record<string, string>;
  /** Entries read back by the second owner. */
  values: Record<string, unknown>;
  /** The first owner's write after it lost the task. */
  staleWrite: Promise<void>;
}

/**
 * What a task does across an ownership change: owner A claims the task,
 * writes entries of two stores and applies them with their changelog
 * positions; owner B claims it (fencing A), finds the positions and reads
 * the entries back; A's next apply is refused.
 */
export async function taskRoundTrip(redis: Redis | Cluster, keyPrefix: string, taskId: string): Promise<TaskRoundTrip> {
  const scripts = loadStateScripts(redis);
  const keys = taskKeys(keyPrefix, APPLICATION_ID, taskId);
  const ownerA = new TaskState(taskId, scripts, keys, STORES, CACHE_ENTRIES);
  await ownerA.claim();
  ownerA.store<{ views: number }>('results').put(`experiment-${taskId}`, { views: 3 });
  ownerA.store<string>('persons').put(`person-${taskId}`, 'variant-b');
  await ownerA.apply(ownerA.beginCommit(), new Map([['results', 41n], ['persons', 7n]]));
  ownerA.endCommit();

  const ownerB = new TaskState(taskId, scripts, keys, STORES, CACHE_ENTRIES);
  const claimed = await ownerB.claim();
  const wanted = [
    { store: 'results', key: `experiment-${taskId}` },
    { store: 'persons', key: `person-${taskId}` },
  ];
  await ownerB.prefetch(wanted);
  const values = Object.fromEntries(wanted.map(({ store, key }) => [key, ownerB.store(store).get(key)]));
  ownerA.store<string>('persons').put(`person-${taskId}`, 'stale');
  const staleWrite = ownerA.apply(ownerA.beginCommit(), new Map([['persons', 8n]]));
  staleWrite.catch(() => undefined);
  return {
    existed: claimed.existed,
    positions: Object.fromEntries([...claimed.positions].map(([store, position]) => [store, String(position)])),
    values,
    staleWrite,
  };
}

/** The result every task must show, whatever Redis topology it runs on. */
export function expectedRoundTrip(taskId: string): Omit<TaskRoundTrip, 'staleWrite'> {
  return {
    existed: true,
    positions: { results: '41', persons: '7' },
    values: { [`experiment-${taskId}`]: { views: 3 }, [`person-${taskId}`]: 'variant-b' },
  };
}

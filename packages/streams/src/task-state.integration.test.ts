import Redis from 'ioredis';
import { testStackEnv, uniqueName } from '@abtest/test-harness';
import { loadStateScripts } from './commands';
import { taskKeys } from './keys';
import { TaskState, type StoreChange } from './task-state';

describe('TaskState > Redis', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(testStackEnv().redisUrl);
  });
  afterAll(() => redis.disconnect());

  const stateOf = (prefix: string, capacity = 1_000) =>
    new TaskState('0_0', loadStateScripts(redis), taskKeys(`${prefix}:`, 'app', '0_0'), [{ name: 'counts' }, { name: 'dedup', retentionMs: 60_000, cached: false }], capacity);

  it('should apply a commit larger than one script call, storing the positions only with its last part', async () => {
    const prefix = uniqueName('state');
    const state = stateOf(prefix);
    await state.claim();
    const changes: StoreChange[] = Array.from({ length: 25_000 }, (_, i) => ({ store: 'dedup', key: `m-${i}`, value: String(i), expireAt: Date.now() + 60_000 }));
    changes.push({ store: 'counts', key: 'a', value: '7', expireAt: 0 });
    await state.apply(changes, new Map([['dedup', 41n], ['counts', 3n]]));

    const entries = await redis.mget(changes.map((c) => taskKeys(`${prefix}:`, 'app', '0_0').entry(c.store, c.key)));
    expect(entries).toEqual(changes.map((c) => c.value));
    expect(await redis.hgetall(taskKeys(`${prefix}:`, 'app', '0_0').checkpoint)).toMatchObject({ 'pos:dedup': '41', 'pos:counts': '3' });

    // Applying the same commit again (a retry after an unknown outcome) changes nothing.
    await redis.set(taskKeys(`${prefix}:`, 'app', '0_0').entry('counts', 'a'), '8');
    await state.apply(changes, new Map([['dedup', 41n], ['counts', 3n]]));
    expect(await redis.get(taskKeys(`${prefix}:`, 'app', '0_0').entry('counts', 'a'))).toBe('8');
  });

  it('should serve a store without caching from Redis again in the next batch, and a cached one from memory', async () => {
    const prefix = uniqueName('state');
    const keys = taskKeys(`${prefix}:`, 'app', '0_0');
    const state = stateOf(prefix);
    await state.claim();
    await state.apply(
      [
        { store: 'counts', key: 'a', value: '1', expireAt: 0 },
        { store: 'dedup', key: 'm-1', value: '1', expireAt: Date.now() + 60_000 },
      ],
      new Map([['counts', 0n], ['dedup', 0n]]),
    );
    state.beginBatch();
    await state.prefetch([{ store: 'counts', key: 'a' }, { store: 'dedup', key: 'm-1' }]);
    expect(state.store('counts').get('a')).toBe(1);
    expect(state.store('dedup').get('m-1')).toBe(1);

    state.beginBatch();
    expect(state.store('counts').get('a')).toBe(1);
    expect(() => state.store('dedup').get('m-1')).toThrow(/m-1/);

    // Writes are served from memory until their commit ends; values are serialized once, at the commit.
    const dedup = state.store<number>('dedup');
    const counts = state.store<{ n: number }>('counts');
    const value = { n: 2 };
    counts.put('a', value);
    dedup.put('m-2', 5);
    value.n = 3;
    const changes = state.beginCommit();
    expect(changes.find((c) => c.key === 'a')?.value).toBe('{"n":3}');
    await state.apply(changes, new Map([['counts', 1n], ['dedup', 1n]]));
    state.endCommit();
    state.beginBatch();
    expect(counts.get('a')).toEqual({ n: 3 });
    expect(() => dedup.get('m-2')).toThrow(/m-2/);
    expect(await redis.get(keys.entry('dedup', 'm-2'))).toBe('5');
  });

  it('should serve a key of the commit in flight to a batch that did not fetch it, when the commit ends during its prefetch', async () => {
    const prefix = uniqueName('state');
    const state = stateOf(prefix);
    await state.claim();
    const dedup = state.store<number>('dedup');
    dedup.put('m-1', 1);
    const changes = state.beginCommit();
    state.beginBatch();
    // m-1 is found among the commit's changes, m-2 is fetched: the background commit ends while that read is in flight.
    const prefetched = state.prefetch([{ store: 'dedup', key: 'm-1' }, { store: 'dedup', key: 'm-2' }]);
    await state.apply(changes, new Map([['dedup', 0n]]));
    state.endCommit();
    await prefetched;
    expect(dedup.get('m-1')).toBe(1);
    expect(dedup.get('m-2')).toBeUndefined();
  });

  it('should not evict a cached key the batch is about to read when the cache is full', async () => {
    const prefix = uniqueName('state');
    const state = stateOf(prefix, 1);
    await state.claim();
    state.beginBatch();
    await state.prefetch([{ store: 'counts', key: 'a' }]);
    state.beginBatch();
    await state.prefetch([{ store: 'counts', key: 'a' }, { store: 'counts', key: 'b' }]);
    expect(state.store('counts').get('a')).toBeUndefined();
    expect(state.store('counts').get('b')).toBeUndefined();
  });
});

import { NotPrefetchedError, StateLostError, StreamsError, TaskFencedError } from './errors';
import type { StateScripts, ScriptReply } from './commands';
import type { TaskKeys } from './keys';
import type { KeyValueStore } from './processor';
import type { StoreDefinition } from './topology';

/** One store entry as written to Redis and to the changelog. */
export interface StoreChange {
  store: string;
  key: string;
  /** Serialized value; null deletes. */
  value: string | null;
  /** Epoch ms after which the entry is gone; 0 for never. */
  expireAt: number;
}

type PendingChange = StoreChange & { decoded: unknown };

interface CachedEntry {
  value: unknown;
  expireAt: number;
}

const STATE_LOST = -1;
const FENCED = -2;
/** Lua's unpack() has a stack limit; larger reads are split. */
const MAX_KEYS_PER_SCRIPT = 4_000;

/**
 * The state of one task: Redis (committed, queryable), a bounded cache of
 * committed entries this instance has read or written (valid while it owns
 * the task: nobody else writes them), the changes of the commit in flight
 * (sent to Kafka, not yet in Redis) and the changes made since. Processors
 * read pending → committing → cache; misses are fetched
 * in one script call per batch by prefetch().
 */
export class TaskState {
  epoch = '0';
  // Maps per store keyed by the store key itself: a key string from the input hashes once, a concatenated Redis key would hash on every lookup.
  private readonly cache = new StoreMaps<CachedEntry>();
  private overlay = new StoreMaps<PendingChange>();
  /** The changes of the commit in flight: processing goes on while it runs. */
  private committing = new StoreMaps<PendingChange>();
  private readonly storesByName: Map<string, StoreDefinition>;

  constructor(
    private readonly taskId: string,
    private readonly scripts: StateScripts,
    private readonly keys: TaskKeys,
    stores: StoreDefinition[],
    private readonly cacheCapacity: number,
  ) {
    this.storesByName = new Map(stores.map((s) => [s.name, s]));
  }

  /** Takes ownership in Redis (fencing earlier owners); returns the changelog positions the state reflects. */
  async claim(): Promise<{ existed: boolean; positions: Map<string, bigint> }> {
    this.cache.clear();
    const reply = await this.scripts.claimTask(this.keys.checkpoint);
    if (!Array.isArray(reply) || reply.length < 2) throw new StreamsError(`unexpected reply of claimTask for task ${this.taskId}: ${JSON.stringify(reply)}`);
    this.epoch = String(reply[0]);
    const positions = new Map<string, bigint>();
    for (let i = 2; i + 1 < reply.length; i += 2) {
      const field = String(reply[i]);
      if (field.startsWith('pos:')) positions.set(field.slice(4), BigInt(String(reply[i + 1])));
    }
    return { existed: Number(reply[1]) === 1, positions };
  }

  get pendingChangeCount(): number {
    return this.overlay.size;
  }

  /** Loads every requested entry that is neither pending nor cached, in as few script calls as possible. */
  async prefetch(wanted: Iterable<{ store: string; key: string }>): Promise<void> {
    const missing = new StoreMaps<true>();
    for (const { store, key } of wanted) {
      if (!this.overlay.has(store, key) && !this.committing.has(store, key) && !this.cache.has(store, key)) missing.set(store, key, true);
    }
    if (missing.size === 0) return;
    this.evictIfFull(missing.size);
    const entries = [...missing.entries()];
    for (let start = 0; start < entries.length; start += MAX_KEYS_PER_SCRIPT) {
      const chunk = entries.slice(start, start + MAX_KEYS_PER_SCRIPT);
      const reply = this.check(await this.scripts.readEntries([this.keys.checkpoint, ...chunk.map(([store, key]) => this.keys.entry(store, key))], this.epoch));
      if (!Array.isArray(reply)) throw new StreamsError(`unexpected reply of readEntries for task ${this.taskId}`);
      chunk.forEach(([store, key], i) => {
        const raw = reply[i + 1];
        this.cache.set(store, key, { value: typeof raw === 'string' ? JSON.parse(raw) : undefined, expireAt: 0 });
      });
    }
  }

  store<V>(name: string): KeyValueStore<V> {
    const definition = this.storesByName.get(name);
    if (!definition) throw new StreamsError(`state store "${name}" is not connected to this processor's task ${this.taskId}`);
    return {
      get: (key) => this.read(name, key) as V | undefined,
      put: (key, value) => this.write(definition, key, value),
      delete: (key) => this.write(definition, key, undefined),
    };
  }

  /**
   * Starts a commit: the pending changes become the commit's (returned, to be
   * written to the changelog in its transaction); later changes start afresh.
   */
  beginCommit(): StoreChange[] {
    if (this.committing.size > 0) throw new StreamsError(`task ${this.taskId} began a commit while one is in flight`);
    [this.committing, this.overlay] = [this.overlay, this.committing];
    const changes: StoreChange[] = [];
    for (const [store, key, { value, expireAt }] of this.committing.entries()) changes.push({ store, key, value, expireAt });
    return changes;
  }

  /**
   * Applies committed changes with the changelog positions they reached.
   * Idempotent: changes at or below the stored position are skipped.
   */
  async apply(changes: StoreChange[], positions: Map<string, bigint>, now = Date.now()): Promise<void> {
    const stores = [...positions.keys()];
    const storeIndex = new Map(stores.map((s, i) => [s, i + 1]));
    const keys = [this.keys.checkpoint];
    const args: string[] = [this.epoch, String(stores.length)];
    for (const store of stores) args.push(store, String(positions.get(store)));
    for (const change of changes) {
      const index = storeIndex.get(change.store);
      if (index === undefined) throw new StreamsError(`change for store "${change.store}" has no changelog position`);
      keys.push(this.keys.entry(change.store, change.key));
      args.push(String(index), change.value === null ? '-1' : String(change.expireAt), change.value ?? '');
    }
    args.push(String(now));
    this.check(await this.scripts.applyChanges(keys, args));
  }

  /** After a successful commit and apply: the commit's changes become cached committed state. */
  endCommit(): void {
    for (const [store, key, change] of this.committing.entries()) this.cache.set(store, key, { value: change.decoded, expireAt: change.expireAt });
    this.committing.clear();
  }

  /** Forgets everything held in memory (the task changes hands or restores). */
  reset(): void {
    this.cache.clear();
    this.overlay.clear();
    this.committing.clear();
  }

  private read(store: string, key: string): unknown {
    const entry = this.overlay.get(store, key) ?? this.committing.get(store, key) ?? this.cache.get(store, key);
    if (!entry) throw new NotPrefetchedError(store, key);
    const value = 'decoded' in entry ? entry.decoded : entry.value;
    if (entry.expireAt !== 0 && entry.expireAt <= Date.now()) return undefined;
    return value;
  }

  private write(store: StoreDefinition, key: string, value: unknown): void {
    const expireAt = value !== undefined && store.retentionMs ? Date.now() + store.retentionMs : 0;
    this.overlay.set(store.name, key, { store: store.name, key, value: value === undefined ? null : JSON.stringify(value), expireAt, decoded: value });
  }

  private evictIfFull(incoming: number): void {
    this.cache.evictOldest(this.cache.size + incoming - this.cacheCapacity);
  }

  private check(reply: ScriptReply): ScriptReply {
    if (reply === STATE_LOST) throw new StateLostError(this.taskId);
    if (reply === FENCED) throw new TaskFencedError(this.taskId);
    return reply;
  }
}

/** Entries by store, then by key, in insertion order. */
class StoreMaps<T> {
  private readonly byStore = new Map<string, Map<string, T>>();
  size = 0;

  has(store: string, key: string): boolean {
    return this.byStore.get(store)?.has(key) ?? false;
  }

  get(store: string, key: string): T | undefined {
    return this.byStore.get(store)?.get(key);
  }

  set(store: string, key: string, value: T): void {
    let entries = this.byStore.get(store);
    if (!entries) this.byStore.set(store, (entries = new Map()));
    const before = entries.size;
    entries.set(key, value);
    this.size += entries.size - before;
  }

  *entries(): IterableIterator<[store: string, key: string, value: T]> {
    for (const [store, entries] of this.byStore) for (const [key, value] of entries) yield [store, key, value];
  }

  /** Drops `count` entries, the oldest of each store first. */
  evictOldest(count: number): void {
    for (const entries of this.byStore.values()) {
      for (const key of entries.keys()) {
        if (count-- <= 0) return;
        entries.delete(key);
        this.size -= 1;
      }
    }
  }

  clear(): void {
    this.byStore.clear();
    this.size = 0;
  }
}

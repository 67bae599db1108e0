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

/** An entry held in memory: the decoded value (undefined: absent or deleted) and its expiry. */
interface Entry {
  value: unknown;
  expireAt: number;
}

/**
 * One store of the task in memory. Maps are keyed by the store key itself (a
 * key string from the input hashes once; a concatenated Redis key would hash
 * on every lookup) and resolved once per store, not per read.
 */
class StoreSlot {
  /** Changes since the last commit began. */
  overlay = new Map<string, Entry>();
  /** The changes of the commit in flight: processing goes on while it runs. */
  committing = new Map<string, Entry>();
  /** Committed entries read or written: the task's cache, or this batch's reads for a store without caching. */
  readonly committed = new Map<string, Entry>();

  constructor(readonly definition: StoreDefinition) {}

  get cached(): boolean {
    return this.definition.cached !== false;
  }

  lookup(key: string): Entry | undefined {
    return this.overlay.get(key) ?? this.committing.get(key) ?? this.committed.get(key);
  }
}

const STATE_LOST = -1;
const FENCED = -2;
/** Lua's unpack() has a stack limit; larger reads are split. */
const MAX_KEYS_PER_SCRIPT = 4_000;
/** Entries per applyChanges call: one call blocks Redis while it runs. */
const MAX_ENTRIES_PER_APPLY = 10_000;

/**
 * The state of one task: Redis (committed, queryable), a bounded cache of
 * committed entries this instance has read or written (valid while it owns
 * the task: nobody else writes them), the changes of the commit in flight
 * (sent to Kafka, not yet in Redis) and the changes made since. Processors
 * read pending → committing → cache; misses are fetched in one script call
 * per batch by prefetch(). Stores without caching keep their reads for one batch.
 */
export class TaskState {
  epoch = '0';
  private readonly slots: Map<string, StoreSlot>;

  constructor(
    private readonly taskId: string,
    private readonly scripts: StateScripts,
    private readonly keys: TaskKeys,
    stores: StoreDefinition[],
    private readonly cacheCapacity: number,
  ) {
    this.slots = new Map(stores.map((s) => [s.name, new StoreSlot(s)]));
  }

  /** Takes ownership in Redis (fencing earlier owners); returns the changelog positions the state reflects. */
  async claim(): Promise<{ existed: boolean; positions: Map<string, bigint> }> {
    for (const slot of this.slots.values()) slot.committed.clear();
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
    let count = 0;
    for (const slot of this.slots.values()) count += slot.overlay.size;
    return count;
  }

  /** Loads every requested entry that is neither pending nor cached, in as few script calls as possible. */
  async prefetch(wanted: Iterable<{ store: string; key: string }>): Promise<void> {
    const missing: Array<[StoreSlot, string]> = [];
    const asked = new Map<StoreSlot, Set<string>>();
    let cachedCount = 0;
    for (const { store, key } of wanted) {
      const slot = this.slot(store);
      if (!slot.cached) {
        // No eviction to protect against: a key asked twice is merely read twice (a set per key cost more).
        if (slot.lookup(key) === undefined) missing.push([slot, key]);
        continue;
      }
      let keys = asked.get(slot);
      if (!keys) asked.set(slot, (keys = new Set()));
      if (keys.has(key)) continue;
      keys.add(key);
      if (slot.lookup(key) !== undefined) continue;
      missing.push([slot, key]);
      cachedCount += 1;
    }
    if (missing.length === 0) return;
    this.evictIfFull(cachedCount, asked);
    for (let start = 0; start < missing.length; start += MAX_KEYS_PER_SCRIPT) {
      const chunk = missing.slice(start, start + MAX_KEYS_PER_SCRIPT);
      const reply = this.check(await this.scripts.readEntries([this.keys.checkpoint, ...chunk.map(([slot, key]) => this.keys.entry(slot.definition.name, key))], this.epoch));
      if (!Array.isArray(reply)) throw new StreamsError(`unexpected reply of readEntries for task ${this.taskId}`);
      chunk.forEach(([slot, key], i) => {
        const raw = reply[i + 1];
        slot.committed.set(key, { value: typeof raw === 'string' ? JSON.parse(raw) : undefined, expireAt: 0 });
      });
    }
  }

  store<V>(name: string): KeyValueStore<V> {
    const slot = this.slot(name);
    return {
      get: (key) => this.read(slot, key) as V | undefined,
      put: (key, value) => this.write(slot, key, value),
      delete: (key) => this.write(slot, key, undefined),
    };
  }

  /**
   * Starts a commit: the pending changes become the commit's (returned, to be
   * written to the changelog in its transaction); later changes start afresh.
   * Values are serialized here, once per key and commit, however often they were put.
   */
  beginCommit(): StoreChange[] {
    if ([...this.slots.values()].some((slot) => slot.committing.size > 0)) throw new StreamsError(`task ${this.taskId} began a commit while one is in flight`);
    const changes: StoreChange[] = [];
    for (const [store, slot] of this.slots) {
      [slot.committing, slot.overlay] = [slot.overlay, slot.committing];
      for (const [key, { value, expireAt }] of slot.committing) changes.push({ store, key, value: value === undefined ? null : JSON.stringify(value), expireAt });
    }
    return changes;
  }

  /**
   * Applies committed changes with the changelog positions they reached.
   * Idempotent: changes at or below the stored position are skipped.
   */
  async apply(changes: StoreChange[], positions: Map<string, bigint>, now = Date.now()): Promise<void> {
    const stores = [...positions.keys()];
    const storeIndex = new Map(stores.map((s, i) => [s, i + 1]));
    const header: string[] = [this.epoch, String(stores.length)];
    for (const store of stores) header.push(store, String(positions.get(store)));
    // Bounded script calls keep Redis responsive; the last one stores the positions (see applyChanges-1.lua).
    for (let start = 0; start === 0 || start < changes.length; start += MAX_ENTRIES_PER_APPLY) {
      const keys = [this.keys.checkpoint];
      const args = [...header];
      for (const change of changes.slice(start, start + MAX_ENTRIES_PER_APPLY)) {
        const index = storeIndex.get(change.store);
        if (index === undefined) throw new StreamsError(`change for store "${change.store}" has no changelog position`);
        keys.push(this.keys.entry(change.store, change.key));
        args.push(change.value === null ? `${index}|-1|` : `${index}|${change.expireAt}|${change.value}`);
      }
      args.push(start + MAX_ENTRIES_PER_APPLY >= changes.length ? '1' : '0', String(now));
      this.check(await this.scripts.applyChanges(keys, args));
    }
  }

  /**
   * After a successful commit and apply: the commit's changes become committed
   * state. Stores without caching keep them too, until the next batch: the
   * commit runs in the background, and a batch that found a key among the
   * commit's changes (so did not fetch it) may read it after the commit ended.
   */
  endCommit(): void {
    for (const slot of this.slots.values()) {
      for (const [key, entry] of slot.committing) slot.committed.set(key, entry);
      slot.committing.clear();
    }
  }

  /** A new batch: what the last one read from stores without caching is forgotten. */
  beginBatch(): void {
    for (const slot of this.slots.values()) if (!slot.cached) slot.committed.clear();
  }

  /** Forgets everything held in memory (the task changes hands or restores). */
  reset(): void {
    for (const slot of this.slots.values()) {
      slot.committed.clear();
      slot.overlay.clear();
      slot.committing.clear();
    }
  }

  private slot(name: string): StoreSlot {
    const slot = this.slots.get(name);
    if (!slot) throw new StreamsError(`state store "${name}" is not connected to this processor's task ${this.taskId}`);
    return slot;
  }

  private read(slot: StoreSlot, key: string): unknown {
    const entry = slot.lookup(key);
    if (!entry) throw new NotPrefetchedError(slot.definition.name, key);
    if (entry.expireAt !== 0 && entry.expireAt <= Date.now()) return undefined;
    return entry.value;
  }

  private write(slot: StoreSlot, key: string, value: unknown): void {
    const retentionMs = slot.definition.retentionMs;
    slot.overlay.set(key, { value, expireAt: value !== undefined && retentionMs ? Date.now() + retentionMs : 0 });
  }

  /**
   * Keeps the cached stores' committed entries within the task's capacity,
   * dropping the oldest first, but never a key the batch asked for: it was
   * found in memory and not fetched, so the batch reads it from there.
   */
  private evictIfFull(incoming: number, asked: Map<StoreSlot, Set<string>>): void {
    let excess = incoming - this.cacheCapacity;
    for (const slot of this.slots.values()) if (slot.cached) excess += slot.committed.size;
    for (const slot of this.slots.values()) {
      if (!slot.cached) continue;
      const keep = asked.get(slot);
      for (const key of slot.committed.keys()) {
        if (excess <= 0) return;
        if (keep?.has(key)) continue;
        slot.committed.delete(key);
        excess -= 1;
      }
    }
  }

  private check(reply: ScriptReply): ScriptReply {
    if (reply === STATE_LOST) throw new StateLostError(this.taskId);
    if (reply === FENCED) throw new TaskFencedError(this.taskId);
    return reply;
  }
}

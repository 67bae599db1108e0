import type { KeyValueStore, OutputRecord, Processor, Punctuator, PunctuationType, StoreKey, StreamRecord } from '@abtest/streams';

/**
 * Runs one processor in memory, as Kafka Streams' TopologyTestDriver does for
 * a topology: stores are plain maps, forwarded records are collected, and
 * reading a key the processor did not prefetch fails as it would at run time.
 * Punctuations run only when the test calls punctuate(), at the time it names.
 */
export class ProcessorDriver<V> {
  readonly stores = new Map<string, Map<string, unknown>>();
  readonly forwarded: Array<OutputRecord & { child?: string }> = [];
  private offset = 0;
  private prefetched = new Set<string>();
  private readonly schedules: Array<{ type: PunctuationType; punctuator: Punctuator; cancelled: boolean }> = [];

  /** `from`: a driver whose stores this one starts with (a restart: a new processor over the committed state). */
  constructor(
    private readonly processor: Processor<V>,
    storeNames: string[],
    from?: ProcessorDriver<V>,
  ) {
    for (const name of storeNames) this.stores.set(name, new Map(from?.stores.get(name)));
    processor.init?.({
      applicationId: 'test',
      taskId: '0_0',
      partition: 0,
      getStateStore: <S>(name: string) => this.store<S>(name),
      forward: (record, child) => void this.forwarded.push({ ...record, child }),
      schedule: (_intervalMs, type, punctuator) => {
        const schedule = { type, punctuator, cancelled: false };
        this.schedules.push(schedule);
        return { cancel: () => void (schedule.cancelled = true) };
      },
      prefetch: async (keys) => {
        for (const key of keys) this.prefetched.add(prefetchKey(key));
      },
    });
  }

  /** Processes one record (its timestamp is the arrival time) as a batch of its own and returns what it forwarded. */
  pipe(key: string | null, value: V, timestamp: number): Array<OutputRecord & { child?: string }> {
    return this.pipeBatch([{ key, value, timestamp }]);
  }

  /** Processes records as one batch, as the runtime does with a fetched batch, and returns what it forwarded. */
  pipeBatch(inputs: Array<{ key: string | null; value: V; timestamp: number }>): Array<OutputRecord & { child?: string }> {
    const records: Array<StreamRecord<V>> = inputs.map(({ key, value, timestamp }) => ({ key, value, timestamp, headers: {}, topic: 'input', partition: 0, offset: String(this.offset++) }));
    this.prefetched = new Set(records.flatMap((record) => this.processor.prefetch?.(record) ?? []).map(prefetchKey));
    const before = this.forwarded.length;
    for (const record of records) this.processor.process(record);
    this.processor.endBatch?.();
    return this.forwarded.slice(before);
  }

  /** Runs every (not cancelled) punctuator of `type` with `timestamp`, as the runtime does when one is due; returns what they forwarded. */
  async punctuate(type: PunctuationType, timestamp: number): Promise<Array<OutputRecord & { child?: string }>> {
    const before = this.forwarded.length;
    for (const schedule of this.schedules) {
      if (schedule.type !== type || schedule.cancelled) continue;
      this.prefetched = new Set();
      await schedule.punctuator(timestamp);
    }
    return this.forwarded.slice(before);
  }

  private store<S>(name: string): KeyValueStore<S> {
    const map = this.stores.get(name);
    if (!map) throw new Error(`no store ${name}`);
    return {
      get: (key) => {
        if (!this.prefetched.has(prefetchKey({ store: name, key }))) throw new Error(`read of ${name}/${key} that prefetch() did not name`);
        return structuredClone(map.get(key)) as S | undefined;
      },
      put: (key, value) => void map.set(key, structuredClone(value)),
      delete: (key) => void map.delete(key),
    };
  }
}

const prefetchKey = ({ store, key }: StoreKey): string => `${store}\u0000${key}`;

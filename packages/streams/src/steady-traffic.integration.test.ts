import type { Kafka, Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import { waitFor } from '@abtest/local-stack';
import { createTopics, uniqueName, useStackClients } from '@abtest/test-harness';
import { KafkaStreams } from './kafka-streams';
import { taskRecoveriesByReason } from './metrics';
import type { Logger } from './logger';
import type { KeyValueStore, Processor, ProcessorContext } from './processor';
import type { StreamRecord } from './record';
import type { StreamsConfig } from './config';
import { changelogTopic, TopologyBuilder, type Topology } from './topology';

const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const WAIT_MS = 60_000;
const EVENT_PARTITIONS = 4;
const NOISE_PARTITIONS = 2;
const KEYS = 10;
/** Records per send and pause between sends: steady traffic, a batch or more per task and commit. */
const RECORDS_PER_SEND = 100;
const SEND_PAUSE_MS = 20;
/** Short, so commits follow each other back to back, each overlapping the next batches. */
const COMMIT_INTERVAL_MS = 20;
const CLOSES = 50;
const CLOSE_DEADLINE_MS = 10_000;

interface Event {
  id: string;
}

/** Forwards each id once: a store without caching, as the experiment topology's de-duplication. */
class DedupProcessor implements Processor<Event> {
  private seen!: KeyValueStore<number>;
  private context!: ProcessorContext;
  init(context: ProcessorContext): void {
    this.context = context;
    this.seen = context.getStateStore('seen');
  }
  prefetch(record: StreamRecord<Event>) {
    return [{ store: 'seen', key: record.value.id }];
  }
  process(record: StreamRecord<Event>): void {
    if (this.seen.get(record.value.id) !== undefined) return;
    this.seen.put(record.value.id, 1);
    this.context.forward(record);
  }
}

class CountProcessor implements Processor<Event> {
  private counts!: KeyValueStore<number>;
  init(context: ProcessorContext): void {
    this.counts = context.getStateStore('counts');
  }
  prefetch(record: StreamRecord<Event>) {
    return record.key === null ? [] : [{ store: 'counts', key: record.key }];
  }
  process(record: StreamRecord<Event>): void {
    if (record.key !== null) this.counts.put(record.key, (this.counts.get(record.key) ?? 0) + 1);
  }
}

/** Changes nothing and sends nothing: its task's commits carry input offsets only. */
class IgnoreProcessor implements Processor<unknown> {
  process(): void {}
}

/**
 * events ─▶ dedup [seen: no cache, retention] ─▶ count [counts]
 * noise ─▶ ignore (commits of offsets only)
 */
function buildTopology(applicationId: string, events: string, noise: string): Topology {
  return new TopologyBuilder(applicationId)
    .addSource('events', [events])
    .addProcessor('dedup', () => new DedupProcessor(), 'events')
    .addStateStore({ name: 'seen', retentionMs: 600_000, cached: false }, 'dedup')
    .addProcessor('count', () => new CountProcessor(), 'dedup')
    .addStateStore({ name: 'counts' }, 'count')
    .addSource('noise', [noise])
    .addProcessor('ignore', () => new IgnoreProcessor(), 'noise')
    .build();
}

/** Sends events (a third of them repeating an id of the send before) and noise until stopped. */
class Traffic {
  private running = true;
  private sent = 0;
  sends = 0;
  readonly expected = new Map<string, number>();
  private done: Promise<void> = Promise.resolve();

  /** Its own producer: a producer that knew the topics of an earlier test fails on their deletion. */
  private constructor(
    private readonly producer: Producer,
    private readonly topics: { events: string; noise: string },
  ) {}

  static async start(kafka: Kafka, topics: { events: string; noise: string }): Promise<Traffic> {
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const traffic = new Traffic(producer, topics);
    traffic.done = traffic.loop().finally(() => producer.disconnect());
    return traffic;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const events = Array.from({ length: RECORDS_PER_SEND }, (_, i) => {
        // Every third record repeats the id that came one place later in the send before (never itself a repeat).
        const repeat = this.sent > 0 && i % 3 === 0 && i + 1 < RECORDS_PER_SEND;
        const n = repeat ? this.sent - RECORDS_PER_SEND + i + 1 : this.sent + i;
        const key = `k${n % KEYS}`;
        if (!repeat) this.expected.set(key, (this.expected.get(key) ?? 0) + 1);
        return { key, value: JSON.stringify({ id: `e-${n}` }) };
      });
      this.sent += RECORDS_PER_SEND;
      const noise = Array.from({ length: RECORDS_PER_SEND / 10 }, (_, i) => ({ key: `n${i}`, value: '{}' }));
      await this.producer.sendBatch({ acks: -1, topicMessages: [{ topic: this.topics.events, messages: events }, { topic: this.topics.noise, messages: noise }] });
      this.sends += 1;
      await new Promise((resolve) => setTimeout(resolve, SEND_PAUSE_MS));
    }
  }
}

const sumOf = async (registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> =>
  ((await registry.getSingleMetric(name)?.get())?.values ?? []).filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);

/** TCP connections keeping this process alive: a client left open after close() would keep a service from exiting. */
const openConnections = (): number => process.getActiveResourcesInfo().filter((resource) => resource === 'TCPSocketWrap').length;
/** Closed connections leave the list once the broker has answered the close. */
const CONNECTIONS_CLOSED_MS = 5_000;

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

describe('KafkaStreams > under steady traffic', () => {
  const clients = useStackClients();

  async function application() {
    const applicationId = uniqueName('steady-app');
    const topics = { events: uniqueName('events'), noise: uniqueName('noise') };
    await createTopics(clients.admin, [
      { topic: topics.events, numPartitions: EVENT_PARTITIONS },
      { topic: topics.noise, numPartitions: NOISE_PARTITIONS },
    ]);
    const topology = buildTopology(applicationId, topics.events, topics.noise);
    return {
      topics,
      instance: (metrics: Registry, config: Partial<StreamsConfig> = {}) =>
        new KafkaStreams(topology, { kafka: clients.kafka, redis: clients.redis, logger: silent, keyPrefix: `${applicationId}:`, commitIntervalMs: COMMIT_INTERVAL_MS, sessionTimeoutMs: 6_000, metrics, ...config }),
      dropState: async () => {
        const keys = await clients.redis.keys(`${applicationId}:*`);
        if (keys.length > 0) await clients.redis.del(...keys);
      },
      cleanUp: async () => {
        await clients.admin.deleteTopics({ topics: [topics.events, topics.noise, changelogTopic(applicationId, 'seen'), changelogTopic(applicationId, 'counts')] });
      },
    };
  }

  const countsMatch = async (streams: KafkaStreams, expected: Map<string, number>) => {
    for (const [key, count] of expected) if ((await streams.query<number>('counts', key)) !== count) return false;
    return true;
  };

  it('should count exactly without re-initializing any task, while commits run back to back beside the batches', async () => {
    const app = await application();
    const registry = new Registry();
    const streams = app.instance(registry);
    let traffic: Traffic | undefined;
    try {
      await streams.start();
      await waitFor(() => streams.isReady(), { description: 'the instance ready', timeoutMs: WAIT_MS });
      traffic = await Traffic.start(clients.kafka, app.topics);
      await waitFor(async () => (await sumOf(registry, 'streams_commits_total', { outcome: 'committed' })) >= 300, { description: '300 commits', timeoutMs: WAIT_MS });
      await traffic.stop();
      await waitFor(() => countsMatch(streams, traffic?.expected ?? new Map()), { description: 'exact counts per key', timeoutMs: WAIT_MS });

      // By reason, so that a failure names it (e.g. NotPrefetchedError, TaskCorruptedError).
      expect(await taskRecoveriesByReason(registry)).toEqual({});
      expect(await sumOf(registry, 'streams_commits_total', { outcome: 'failed' })).toBe(0);
    } finally {
      await traffic?.stop();
      await streams.close();
      await app.dropState();
      await app.cleanUp();
    }
  });

  it(`should close a busy instance ${CLOSES} times in a row, each time within ${CLOSE_DEADLINE_MS / 1000} s, losing and repeating nothing`, async () => {
    const app = await application();
    const traffic = await Traffic.start(clients.kafka, app.topics);
    const closeMs: number[] = [];
    try {
      await waitFor(() => traffic.sends > 0, { description: 'traffic flowing', timeoutMs: WAIT_MS });
      const connections = openConnections();
      for (let round = 1; round <= CLOSES; round++) {
        const registry = new Registry();
        const streams = app.instance(registry);
        await streams.start();
        // Busy: it has processed records of this round and holds a commit's worth more when close() begins.
        await waitFor(async () => streams.isReady() && (await sumOf(registry, 'streams_records_processed_total')) > 0, { description: `instance ${round} processing`, timeoutMs: WAIT_MS });
        const started = Date.now();
        await withDeadline(streams.close(), CLOSE_DEADLINE_MS, `close #${round}`);
        closeMs.push(Date.now() - started);
        await waitFor(() => openConnections() <= connections, { description: `instance ${round} to leave no connection open`, timeoutMs: CONNECTIONS_CLOSED_MS });
      }
      await traffic.stop();
      const registry = new Registry();
      const last = app.instance(registry);
      try {
        await last.start();
        await waitFor(() => countsMatch(last, traffic.expected), { description: 'exact counts per key after every close', timeoutMs: WAIT_MS });
      } finally {
        await last.close();
      }
      expect(closeMs).toHaveLength(CLOSES);
    } finally {
      await traffic.stop();
      await app.dropState();
      await app.cleanUp();
    }
  });

  it('should leave no connection open after close when a task failed to initialize and was retried', async () => {
    const app = await application();
    const connections = openConnections();
    const traffic = await Traffic.start(clients.kafka, app.topics);
    try {
      const first = app.instance(new Registry());
      try {
        await first.start();
        await waitFor(() => first.isReady() && traffic.sends > 5, { description: 'the first instance ready, traffic sent', timeoutMs: WAIT_MS });
        await traffic.stop();
        await waitFor(() => countsMatch(first, traffic.expected), { description: 'exact counts per key', timeoutMs: WAIT_MS });
      } finally {
        await first.close();
      }

      // Redis lost the state: the next instance restores it, and the first restore fails (after the task's producer connected).
      await app.dropState();
      let failures = 0;
      const onRestoreStart = () => {
        if (failures++ === 0) throw new Error('the first restore fails');
      };
      const second = app.instance(new Registry(), { restoreListener: { onRestoreStart } });
      try {
        await second.start();
        await waitFor(() => countsMatch(second, traffic.expected), { description: 'exact counts per key after the retried restore', timeoutMs: WAIT_MS });
      } finally {
        await second.close();
      }
      expect(failures).toBeGreaterThan(1);
      await waitFor(() => openConnections() <= connections, { description: 'no connection left open', timeoutMs: CONNECTIONS_CLOSED_MS });
    } finally {
      await traffic.stop();
      await app.dropState();
      await app.cleanUp();
    }
  });
});

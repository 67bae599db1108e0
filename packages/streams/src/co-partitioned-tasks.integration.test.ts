import type { Message } from 'kafkajs';
import { Registry } from 'prom-client';
import { waitFor } from '@abtest/local-stack';
import { createTopics, readTopic, uniqueName, useStackClients } from '@abtest/test-harness';
import { KafkaStreams } from './kafka-streams';
import type { Logger } from './logger';
import type { KeyValueStore, Processor, ProcessorContext } from './processor';
import type { StreamRecord } from './record';
import { changelogTopic, repartitionTopic, TopologyBuilder, type Topology } from './topology';

const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const WAIT_MS = 60_000;
/**
 * Topic A has more partitions than topic B: the repartition topic read together
 * with A must get A's count. Odd, so that partition-wise round-robin over two
 * instances would split A's tasks from the repartition topic's.
 */
const A_PARTITIONS = 3;
const B_PARTITIONS = 2;
const KEYS = 20;

type Input = { n: number; bad?: boolean; explode?: boolean } | { key: string };

/** Sends well-formed records to the counter, malformed ones to the rejects sink only. */
class RouteProcessor implements Processor<Input> {
  private context!: ProcessorContext;
  init(context: ProcessorContext): void {
    this.context = context;
  }
  process(record: StreamRecord<Input>): void {
    this.context.forward(record, 'bad' in record.value && record.value.bad ? 'rejects' : 'count');
  }
}

/** Re-keys records of topic B by the key they name: they reach the counter through the repartition topic. */
class RekeyProcessor implements Processor<Input> {
  private context!: ProcessorContext;
  init(context: ProcessorContext): void {
    this.context = context;
  }
  process(record: StreamRecord<Input>): void {
    if ('key' in record.value) this.context.forward({ key: record.value.key, value: { n: 1 } });
  }
}

class CountProcessor implements Processor<Input> {
  private counts!: KeyValueStore<number>;
  /** Called before each record is counted: a throw fails the batch (and the task). */
  constructor(private readonly beforeCount: (record: StreamRecord<Input>) => void) {}
  init(context: ProcessorContext): void {
    this.counts = context.getStateStore('counts');
  }
  prefetch(record: StreamRecord<Input>) {
    return record.key === null ? [] : [{ store: 'counts', key: record.key }];
  }
  process(record: StreamRecord<Input>): void {
    this.beforeCount(record);
    if (record.key !== null) this.counts.put(record.key, (this.counts.get(record.key) ?? 0) + 1);
  }
}

/**
 * raw [B] ─▶ rekey ─▶ by-key (repartition) ─┐
 * direct [A] ─▶ route ─(named child)─▶ count [counts] ◀┘
 *                     └(named child)─▶ rejects (sink)
 */
function buildTopology(applicationId: string, topicA: string, topicB: string, rejectsTopic: string, beforeCount: (record: StreamRecord<Input>) => void = () => undefined): Topology {
  return new TopologyBuilder(applicationId)
    .addSource('raw', [topicB])
    .addProcessor('rekey', () => new RekeyProcessor(), 'raw')
    .addRepartition('by-key', ['rekey'])
    .addSource('direct', [topicA])
    .addProcessor('route', () => new RouteProcessor(), 'direct')
    .addProcessor('count', () => new CountProcessor(beforeCount), 'route', 'by-key')
    .addStateStore({ name: 'counts' }, 'count')
    .addSink('rejects', rejectsTopic, ['route'])
    .build();
}

describe('KafkaStreams > co-partitioned sub-topologies over two instances', () => {
  const clients = useStackClients();

  async function produce(topic: string, messages: Message[]): Promise<void> {
    const producer = clients.kafka.producer({ idempotent: true });
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages });
    } finally {
      await producer.disconnect();
    }
  }

  /** A's records: key k<i>, every 7th malformed; B's records name the key they count for. */
  function inputs(round: number): { a: Message[]; b: Message[] } {
    const a = Array.from({ length: 140 }, (_, i) => ({ key: `k${i % KEYS}`, value: JSON.stringify({ n: i, bad: i % 7 === 0 }) }));
    const b = Array.from({ length: 60 }, (_, i) => ({ key: `b-${round}-${i}`, value: JSON.stringify({ key: `k${(i * 3) % KEYS}` }) }));
    return { a, b };
  }

  function expectedCounts(rounds: Array<{ a: Message[]; b: Message[] }>): Map<string, number> {
    const counts = new Map<string, number>();
    const add = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
    for (const { a, b } of rounds) {
      for (const m of a) if (!(JSON.parse(String(m.value)) as { bad: boolean }).bad) add(String(m.key));
      for (const m of b) add((JSON.parse(String(m.value)) as { key: string }).key);
    }
    return counts;
  }

  /** Every task's partitions of all its source topics are on the instance that has the task. */
  function tasksWhole(streams: KafkaStreams, topology: Topology): boolean {
    const partitions = streams.assignedPartitions();
    return streams.assignedTasks().every((id) => {
      const [subtopology, partition] = id.split('_').map(Number);
      return topology.subtopologies[subtopology as number]?.sourceTopics.every((topic) => partitions[topic]?.includes(partition as number)) === true;
    });
  }

  interface Application {
    applicationId: string;
    topicA: string;
    topicB: string;
    rejectsTopic: string;
    topology: Topology;
    /** An instance of the application: all share one group, one Redis and one key prefix. */
    instance(metrics?: Registry): KafkaStreams;
    cleanUp(): Promise<void>;
  }

  async function application(beforeCount?: (record: StreamRecord<Input>) => void): Promise<Application> {
    const applicationId = uniqueName('copartition-app');
    const [topicA, topicB, rejectsTopic] = [uniqueName('a'), uniqueName('b'), uniqueName('rejects')];
    await createTopics(clients.admin, [
      { topic: topicA, numPartitions: A_PARTITIONS },
      { topic: topicB, numPartitions: B_PARTITIONS },
      { topic: rejectsTopic, numPartitions: 1 },
    ]);
    const topology = buildTopology(applicationId, topicA, topicB, rejectsTopic, beforeCount);
    return {
      applicationId,
      topicA,
      topicB,
      rejectsTopic,
      topology,
      instance: (metrics) => new KafkaStreams(topology, { kafka: clients.kafka, redis: clients.redis, logger: silent, keyPrefix: `${applicationId}:`, commitIntervalMs: 200, sessionTimeoutMs: 6_000, metrics }),
      cleanUp: async () => {
        const internal = [repartitionTopic(applicationId, 'by-key'), changelogTopic(applicationId, 'counts')];
        await clients.admin.deleteTopics({ topics: [topicA, topicB, rejectsTopic, ...internal] });
        const keys = await clients.redis.keys(`${applicationId}:*`);
        if (keys.length > 0) await clients.redis.del(...keys);
      },
    };
  }

  const counted = (streams: KafkaStreams, expected: Map<string, number>) => Promise.all([...expected.keys()].map(async (key) => [key, await streams.query<number>('counts', key)] as const));
  const waitForCounts = (streams: KafkaStreams, expected: Map<string, number>) =>
    waitFor(async () => (await counted(streams, expected)).every(([key, count]) => count === expected.get(key)), { description: 'exact counts per key', timeoutMs: WAIT_MS });

  it('should give each task, with the same partition of every source topic, to one instance, and count exactly', async () => {
    const app = await application();
    const { topology, applicationId } = app;
    expect(topology.subtopologies.map((s) => s.sourceTopics)).toEqual([[app.topicB], [repartitionTopic(applicationId, 'by-key'), app.topicA]]);
    const allTasks = [...Array.from({ length: B_PARTITIONS }, (_, p) => `0_${p}`), ...Array.from({ length: A_PARTITIONS }, (_, p) => `1_${p}`)].sort();
    const first = app.instance();
    let second: KafkaStreams | undefined;
    const rounds = [inputs(1), inputs(2)];
    try {
      await first.start();
      await waitFor(() => first.isReady(), { description: 'the first instance ready', timeoutMs: WAIT_MS });
      expect(first.assignedTasks()).toEqual(allTasks);
      const repartitionMetadata = await clients.admin.fetchTopicMetadata({ topics: [repartitionTopic(applicationId, 'by-key')] });
      expect(repartitionMetadata.topics[0]?.partitions).toHaveLength(A_PARTITIONS);
      await produce(app.topicA, rounds[0]?.a ?? []);
      await produce(app.topicB, rounds[0]?.b ?? []);

      second = app.instance();
      await second.start();
      const instances = [first, second];
      await waitFor(
        () => {
          const [one, two] = instances.map((s) => s.assignedTasks());
          const disjoint = one?.every((id) => !two?.includes(id));
          return instances.every((s) => s.isReady()) && disjoint && [...(one ?? []), ...(two ?? [])].sort().join() === allTasks.join();
        },
        { description: 'the tasks split over both instances, each task on one', timeoutMs: WAIT_MS },
      );
      const taskCounts = instances.map((s) => s.assignedTasks().length).sort();
      expect(taskCounts).toEqual([Math.floor(allTasks.length / 2), Math.ceil(allTasks.length / 2)]);
      for (const streams of instances) expect(tasksWhole(streams, topology)).toBe(true);
      await produce(app.topicA, rounds[1]?.a ?? []);
      await produce(app.topicB, rounds[1]?.b ?? []);

      const expected = expectedCounts(rounds);
      await waitForCounts(first, expected);
      const rejects = rounds.flatMap((r) => r.a).filter((m) => (JSON.parse(String(m.value)) as { bad: boolean }).bad).length;
      const rejected = await readTopic(clients.kafka, app.rejectsTopic, (records) => records.length >= rejects);
      expect(rejected).toHaveLength(rejects);

      // After both instances committed everything on close, nothing was counted twice.
      await Promise.all(instances.map((s) => s.close()));
      expect(new Map(await counted(first, expected))).toEqual(expected);
    } finally {
      await first.close();
      await second?.close();
      await app.cleanUp();
    }
  });

  it('should re-initialize a task that failed on one source topic and rewind all of its source topics, counting exactly', async () => {
    let failures = 0;
    const app = await application((record) => {
      if (!('explode' in record.value) || !record.value.explode || failures > 0) return;
      failures += 1;
      throw new Error('the counter fails once');
    });
    const registry = new Registry();
    const streams = app.instance(registry);
    try {
      await streams.start();
      await waitFor(() => streams.isReady(), { description: 'the instance ready', timeoutMs: WAIT_MS });
      const round = inputs(1);
      // The failing record sits among A's records while B's records reach the same tasks through the repartition topic.
      round.a.splice(round.a.length / 2, 0, { key: 'k3', value: JSON.stringify({ n: -1, explode: true }) });
      await Promise.all([produce(app.topicA, round.a), produce(app.topicB, round.b)]);

      await waitForCounts(streams, expectedCounts([round]));
      expect(failures).toBe(1);
      const recoveries = await registry.getSingleMetric('streams_task_recoveries_total')?.get();
      expect(recoveries?.values.reduce((sum, v) => sum + v.value, 0)).toBe(1);
      await streams.close();
      expect(new Map(await counted(streams, expectedCounts([round])))).toEqual(expectedCounts([round]));
    } finally {
      await streams.close();
      await app.cleanUp();
    }
  });
});

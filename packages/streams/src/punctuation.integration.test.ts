import Redis from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { waitFor } from '@abtest/local-stack';
import { createTopics, testKafka, testStackEnv, uniqueName } from '@abtest/test-harness';
import { KafkaStreams } from './kafka-streams';
import type { Logger } from './logger';
import { taskRecoveriesByReason } from './metrics';
import type { KeyValueStore, Processor, ProcessorContext } from './processor';
import type { Cancellable } from './punctuation';
import type { StreamRecord } from './record';
import { changelogTopic, TopologyBuilder } from './topology';

const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const WAIT_MS = 60_000;
const TICK_MS = 50;
const STREAM_TIME_INTERVAL_MS = 1_000;

/** What the processor publishes: a punctuation (`n`-th of its schedule, from the store) or an input's echo. */
interface Published {
  n: number;
  timestamp: number;
}

interface Plan {
  /** Wall-clock schedule `tick`: counts in the store, publishes every punctuation. */
  tick?: boolean;
  /** Wall-clock schedule `limited`: cancels itself at its n-th punctuation. */
  cancelAt?: number;
  /** Stream-time schedule `stream`. */
  streamTime?: boolean;
  /** `tick` throws after storing and forwarding this count, as many times as `faults.remaining` says (shared by the task's successive processors). */
  failAt?: number;
  faults?: { remaining: number };
}

/**
 * Each schedule counts its punctuations in the store (read through
 * context.prefetch) and forwards the count; inputs are echoed as `input`.
 */
class PunctuatingProcessor implements Processor<unknown> {
  private context!: ProcessorContext;
  private counts!: KeyValueStore<number>;
  constructor(private readonly plan: Plan) {}

  init(context: ProcessorContext): void {
    this.context = context;
    this.counts = context.getStateStore('counts');
    if (this.plan.tick) context.schedule(TICK_MS, 'wall-clock', async (timestamp) => void (await this.count('tick', timestamp)));
    const cancelAt = this.plan.cancelAt;
    if (cancelAt !== undefined) {
      const limited: Cancellable = context.schedule(TICK_MS, 'wall-clock', async (timestamp) => {
        if ((await this.count('limited', timestamp)) >= cancelAt) limited.cancel();
      });
    }
    if (this.plan.streamTime) context.schedule(STREAM_TIME_INTERVAL_MS, 'stream-time', async (timestamp) => void (await this.count('stream', timestamp)));
  }

  process(record: StreamRecord<unknown>): void {
    this.context.forward({ key: 'input', value: { n: 0, timestamp: record.timestamp } satisfies Published });
  }

  private async count(name: string, timestamp: number): Promise<number> {
    await this.context.prefetch([{ store: 'counts', key: name }]);
    const n = (this.counts.get(name) ?? 0) + 1;
    this.counts.put(name, n);
    this.context.forward({ key: name, value: { n, timestamp } satisfies Published });
    const { faults } = this.plan;
    if (name === 'tick' && n === this.plan.failAt && faults && faults.remaining > 0) {
      faults.remaining -= 1;
      throw new Error(`punctuation ${n} failed`);
    }
    return n;
  }
}

describe('KafkaStreams > punctuation', () => {
  let kafka: Kafka;
  let admin: Admin;
  let redis: Redis;
  const cleanUps: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    redis = new Redis(testStackEnv().redisUrl);
  });

  afterAll(async () => {
    for (const cleanUp of cleanUps) await cleanUp();
    await admin.disconnect();
    redis.disconnect();
  });

  /** input (1 partition) ─▶ punctuating [counts] ─▶ output; and a read_committed reader of output. */
  async function application(plan: Plan) {
    const applicationId = uniqueName('punctuation-app');
    const [input, output] = [uniqueName('input'), uniqueName('output')];
    await createTopics(admin, [
      { topic: input, numPartitions: 1 },
      { topic: output, numPartitions: 1 },
    ]);
    const topology = new TopologyBuilder(applicationId)
      .addSource('input', [input])
      .addProcessor('punctuating', () => new PunctuatingProcessor(plan), 'input')
      .addStateStore({ name: 'counts' }, 'punctuating')
      .addSink('output', output, ['punctuating'])
      .build();
    const published = new Map<string, Published[]>();
    const reader = kafka.consumer({ groupId: uniqueName('reader'), readUncommitted: false, maxWaitTimeInMs: 100 });
    await reader.connect();
    await reader.subscribe({ topic: output, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        const key = String(message.key);
        published.set(key, [...(published.get(key) ?? []), JSON.parse(String(message.value)) as Published]);
      },
    });
    cleanUps.push(async () => {
      await reader.disconnect();
      await admin.deleteTopics({ topics: [input, output, changelogTopic(applicationId, 'counts')] });
      const keys = await redis.keys(`${applicationId}:*`);
      if (keys.length > 0) await redis.del(...keys);
    });
    return {
      applicationId,
      input,
      published: (key: string) => (published.get(key) ?? []).map((p) => p.n),
      records: (key: string) => published.get(key) ?? [],
      instance: (metrics?: Registry) => new KafkaStreams(topology, { kafka, redis, logger: silent, keyPrefix: `${applicationId}:`, commitIntervalMs: 100, sessionTimeoutMs: 6_000, metrics }),
    };
  }

  const counting = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  /** After close() (which commits the rest): the stored count, once the reader has every published count up to it. */
  async function settledCount(streams: KafkaStreams, published: () => number[]): Promise<number> {
    const stored = (await streams.query<number>('counts', 'tick')) ?? 0;
    await waitFor(() => published().length >= stored, { description: `the output to reach the stored count ${stored}`, timeoutMs: WAIT_MS });
    return stored;
  }

  it('should punctuate by wall-clock without traffic, commit its store writes and forwards exactly once, and schedule again in a restarted task', async () => {
    const app = await application({ tick: true });
    const [firstMetrics, secondMetrics] = [new Registry(), new Registry()];
    const first = app.instance(firstMetrics);
    await first.start();
    await waitFor(() => app.published('tick').length >= 5, { description: 'five punctuations published without any input record', timeoutMs: WAIT_MS });
    await first.close();
    // close() committed the last punctuations: the output and the store agree, each count once.
    const beforeRestart = await settledCount(first, () => app.published('tick'));
    expect(app.published('tick')).toEqual(counting(1, beforeRestart));

    // A new instance's task restores the store; its new processor schedules again in init() and counts on.
    const second = app.instance(secondMetrics);
    await second.start();
    try {
      await waitFor(() => app.published('tick').length >= beforeRestart + 5, { description: 'five more punctuations after the restart', timeoutMs: WAIT_MS });
    } finally {
      await second.close();
    }
    const stored = await settledCount(second, () => app.published('tick'));
    expect(app.published('tick')).toEqual(counting(1, stored));
    for (const metrics of [firstMetrics, secondMetrics]) expect(await taskRecoveriesByReason(metrics)).toEqual({});
  });

  it('should drop what a failed punctuation stored and forwarded, re-initialize the task and punctuate again in it', async () => {
    const app = await application({ tick: true, failAt: 3, faults: { remaining: 1 } });
    const metrics = new Registry();
    const streams = app.instance(metrics);
    await streams.start();
    try {
      await waitFor(() => app.published('tick').length >= 6, { description: 'six punctuations published, through the failure', timeoutMs: WAIT_MS });
    } finally {
      await streams.close();
    }
    // The failed punctuation's count 3 was neither committed nor published; the new task counted 3 again, once.
    const stored = await settledCount(streams, () => app.published('tick'));
    expect(app.published('tick')).toEqual(counting(1, stored));
    expect(await taskRecoveriesByReason(metrics)).toEqual({ Error: 1 });
  });

  it('should stop punctuating once cancelled, while the processor\'s other schedule goes on', async () => {
    const app = await application({ tick: true, cancelAt: 3 });
    const streams = app.instance();
    await streams.start();
    try {
      await waitFor(() => app.published('limited').length >= 3, { description: 'three punctuations of the limited schedule', timeoutMs: WAIT_MS });
      const ticksAtCancel = app.published('tick').length;
      // Ten more intervals of the other schedule, committed and read: the cancelled one had ten chances to fire.
      await waitFor(() => app.published('tick').length >= ticksAtCancel + 10, { description: 'ten more punctuations of the other schedule', timeoutMs: WAIT_MS });
    } finally {
      await streams.close();
    }
    expect(app.published('limited')).toEqual([1, 2, 3]);
  });

  it('should advance stream time only with records: a stream-time schedule fires as record timestamps pass its due times, never without records', async () => {
    const app = await application({ tick: true, streamTime: true });
    const streams = app.instance();
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const t = Date.now() - 60_000;
    try {
      await streams.start();
      // One record at a time, each echoed before the next is sent: every record is a batch of its own.
      for (const [i, offset] of [0, 500, 1_500, 1_999, 3_200].entries()) {
        await producer.send({ topic: app.input, acks: -1, messages: [{ key: 'k', value: '{}', timestamp: String(t + offset) }] });
        await waitFor(() => app.published('input').length > i, { description: `the echo of record ${i + 1}`, timeoutMs: WAIT_MS });
      }
      const ticksAfterLastRecord = app.published('tick').length;
      await waitFor(() => app.published('tick').length >= ticksAfterLastRecord + 10, { description: 'ten wall-clock punctuations after the last record', timeoutMs: WAIT_MS });
    } finally {
      await producer.disconnect();
      await streams.close();
    }
    // Due at the first record, then every second of stream time; wall-clock time moved a minute past them all.
    expect(app.records('stream').map((p) => p.timestamp - t)).toEqual([0, 1_500, 3_200]);
  });
});

import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { offsetsOfNewTopic } from '@abtest/kafka-io';
import { parseBreakdownRecord, parseResultsRecord, parseSeriesRecord, RecordDecodeError, type ResultsRecord, type ResultsTopics, type ValueDecoder } from '@abtest/results-contract';
import type { ResultsViewMetrics } from './metrics';
import type { LatestResultsStore } from './results-store';
import { retry } from '@abtest/retry';

export interface FeedLogger {
  info(context: object, message: string): void;
  warn(context: object, message: string): void;
  error(context: object, message: string): void;
}

export interface ResultsFeedOptions {
  kafka: Kafka;
  /** Unique per instance: every instance reads every partition (each serves all experiments). */
  groupId: string;
  topics: ResultsTopics;
  decode: ValueDecoder;
  store: LatestResultsStore;
  /** Runs for each valid results record before it is stored (the status outbox); retried until it succeeds or the feed stops. */
  beforeStore?: (record: ResultsRecord) => Promise<void>;
  logger: FeedLogger;
  metrics?: ResultsViewMetrics;
  /** Longest a fetch waits for new records: bounds the delay of a live update. Default 250. */
  maxWaitTimeMs?: number;
}

type Kind = 'results' | 'breakdown' | 'series';

/** Backoff of the retries of a record whose registry lookup or status advance failed (Redis or the registry down). */
const RETRY = { attempts: Number.POSITIVE_INFINITY, initialDelayMs: 200, maxDelayMs: 5_000 };
const DEFAULT_MAX_WAIT_MS = 250;

/**
 * Materialises the results, breakdown and series topics into the store, as
 * a downstream consumer: from the beginning of each (compacted) topic on
 * every start, read_committed, without committing offsets. `caughtUp` turns
 * true once every partition was read up to the end it had at start-up.
 */
export class ResultsFeed {
  private consumer: Consumer | undefined;
  private readonly abort = new AbortController();
  /** `topic:partition` → the offset it must reach (high watermark - 1 at start-up). */
  private readonly behind = new Map<string, bigint>();

  constructor(private readonly options: ResultsFeedOptions) {}

  get caughtUp(): boolean {
    return this.consumer !== undefined && this.behind.size === 0;
  }

  /** The partitions still being read up to their start-up end, for the readiness report. */
  get partitionsBehind(): string[] {
    return [...this.behind.keys()];
  }

  async start(): Promise<void> {
    const { kafka, groupId, topics, logger } = this.options;
    const all = [topics.results, topics.breakdowns, topics.series];
    const admin = kafka.admin();
    await admin.connect();
    try {
      for (const topic of all) {
        // Another service may have created the topic a moment ago: its partitions may not have a leader yet.
        for (const p of await offsetsOfNewTopic(admin, topic)) {
          if (BigInt(p.high) > BigInt(p.low)) this.behind.set(`${topic}:${p.partition}`, BigInt(p.high) - 1n);
        }
      }
    } finally {
      await admin.disconnect();
    }
    this.options.metrics?.partitionsBehind.set(this.behind.size);
    const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: this.options.maxWaitTimeMs ?? DEFAULT_MAX_WAIT_MS });
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => this.progress(payload.topic, payload.partition, payload.lastOffset));
    await consumer.connect();
    await consumer.subscribe({ topics: all, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachMessage: ({ topic, partition, message }) => this.handle(topic, partition, message) });
    this.consumer = consumer;
    logger.info({ topics: all, groupId, partitionsToCatchUp: this.behind.size }, 'reading the results topics from the beginning');
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.consumer?.disconnect();
  }

  private progress(topic: string, partition: number, lastOffset: string): void {
    const key = `${topic}:${partition}`;
    const target = this.behind.get(key);
    if (target === undefined || BigInt(lastOffset) < target) return;
    this.behind.delete(key);
    this.options.metrics?.partitionsBehind.set(this.behind.size);
    if (this.behind.size === 0) this.options.logger.info({}, 'caught up with the results topics');
  }

  private kindOf(topic: string): Kind {
    const { topics } = this.options;
    return topic === topics.results ? 'results' : topic === topics.breakdowns ? 'breakdown' : 'series';
  }

  private async handle(topic: string, partition: number, message: KafkaMessage): Promise<void> {
    const kind = this.kindOf(topic);
    const key = message.key?.toString('utf8') ?? '';
    const count = (outcome: string) => this.options.metrics?.records.inc({ kind, outcome });
    try {
      if (message.value === null) {
        this.tombstone(kind, key);
        count('tombstone');
        return;
      }
      const value = message.value;
      const decoded = await retry(() => this.options.decode(value), { ...RETRY, signal: this.abort.signal });
      count((await this.apply(kind, decoded)) ? 'applied' : 'stale');
      this.options.metrics?.experiments.set(this.options.store.size);
    } catch (error) {
      if (this.abort.signal.aborted) throw error;
      if (!(error instanceof RecordDecodeError)) throw error;
      count('invalid');
      this.options.logger.warn({ err: error, topic, partition, offset: message.offset, key }, 'skipping a record that is not what the contract says');
    }
  }

  private async apply(kind: Kind, decoded: unknown): Promise<boolean> {
    const { store, beforeStore } = this.options;
    if (kind === 'breakdown') return store.putBreakdown(parseBreakdownRecord(decoded));
    if (kind === 'series') return store.putSeries(parseSeriesRecord(decoded));
    const record = parseResultsRecord(decoded);
    if (beforeStore) {
      await retry(() => beforeStore(record), {
        ...RETRY,
        retryUnknown: true,
        signal: this.abort.signal,
        onRetry: (error, attempt) => this.options.logger.warn({ err: error, experiment: record.experiment_id, version: record.version, attempt }, 'status outbox not reachable; retrying'),
      });
    }
    return store.putResults(record);
  }

  private tombstone(kind: Kind, key: string): void {
    const { store } = this.options;
    if (kind === 'results') return store.deleteExperiment(key);
    const first = key.indexOf('|');
    const experimentId = key.slice(0, first);
    if (kind === 'breakdown') {
      const second = key.indexOf('|', first + 1);
      return store.deleteBreakdown(experimentId, key.slice(first + 1, second), key.slice(second + 1));
    }
    const last = key.lastIndexOf('|');
    store.deleteSeries(experimentId, key.slice(first + 1, last), Number(key.slice(last + 1)));
  }
}

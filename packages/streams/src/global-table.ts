import { retry } from '@abtest/retry';
import { randomUUID } from 'node:crypto';
import { type Admin, type Batch, type Consumer, type Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import { StreamsError } from './errors';
import type { Logger } from './logger';
import { createGlobalTableMetrics, type GlobalTableMetrics } from './metrics';

/**
 * How long a fetch waits for new records. Short, because disconnecting
 * waits for the fetch in flight; new records end the wait at once anyway.
 */
const FETCH_WAIT_MS = 500;
/**
 * Reading the end offsets right after the topic was created can fail with a
 * retriable error (no leader yet): retried with backoff, a few seconds in all.
 */
const END_OFFSETS_ATTEMPTS = 6;
const END_OFFSETS_BACKOFF_MS = 100;

export interface GlobalTableOptions {
  kafka: Kafka;
  topic: string;
  logger: Logger;
  /**
   * Called for every record, in offset order per partition: the value, or
   * null for a tombstone. A throw is logged, counted and reported to onError;
   * the table goes on with the next record.
   */
  onRecord(key: string, value: Buffer | null): void;
  /** Told about each record onRecord rejected, and about the consumer failing for good. */
  onError?(error: unknown): void;
  /** Prometheus registry for the table's metrics; none when absent. */
  metrics?: Registry;
  /** Prefix of the table's own consumer group id, which a random UUID completes. Default "global-table". */
  groupIdPrefix?: string;
}

/**
 * Kafka Streams' GlobalKTable, kept by the caller: reads every partition of
 * a topic from the beginning and hands each record to onRecord, then keeps
 * following the topic. Committed records only (read_committed).
 *
 * kafkajs cannot assign partitions by hand, so the table consumes in a
 * consumer group of its own (a UUID: it never shares the partitions with
 * the application's group or another instance), never commits, and after
 * every (re)join seeks back to where it was; the group is deleted on close.
 */
export class GlobalTable {
  private readonly groupId: string;
  private readonly metrics: GlobalTableMetrics;
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  /** Next offset to read per partition: where a rejoin resumes. */
  private readonly positions = new Map<number, bigint>();
  /** Partitions not yet read up to the end offsets found by start(). */
  private readonly remaining = new Map<number, bigint>();
  private started = false;
  private isCaughtUp = false;
  private closed = false;
  private reachedEnds: () => void = () => undefined;
  private stopWaiting: (error: unknown) => void = () => undefined;

  constructor(private readonly options: GlobalTableOptions) {
    this.groupId = `${options.groupIdPrefix ?? 'global-table'}-${options.topic}-${randomUUID()}`;
    this.metrics = createGlobalTableMetrics(options.metrics);
    this.metrics.caughtUp.set({ topic: options.topic }, 0);
  }

  /** True once start() has read the topic up to the end offsets it found. */
  get caughtUp(): boolean {
    return this.isCaughtUp;
  }

  /**
   * Resolves once every record below the end offsets that existed when it
   * was called has been handed to onRecord (at once for an empty topic);
   * the table then keeps following the topic until close().
   */
  async start(): Promise<void> {
    if (this.started || this.closed) throw new StreamsError(`global table of ${this.options.topic}: start() may be called once, before close()`);
    this.started = true;
    const { kafka, topic, logger } = this.options;
    const caughtUp = new Promise<void>((resolve, reject) => ((this.reachedEnds = resolve), (this.stopWaiting = reject)));
    // Rejected by close() also when start() failed before awaiting it.
    caughtUp.catch(() => undefined);
    try {
      this.admin = kafka.admin();
      await this.admin.connect();
      // Checked first: kafkajs retries offset requests for an unknown topic for half a minute.
      if (!(await this.admin.listTopics()).includes(topic)) throw new StreamsError(`global table topic ${topic} does not exist`);
      for (const { partition, low, high } of await this.endOffsets()) if (BigInt(high) > BigInt(low)) this.remaining.set(partition, BigInt(high));
      if (this.remaining.size === 0) this.reachedEnds();
      const consumer = this.createConsumer();
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: true, eachBatch: async ({ batch }) => this.deliver(batch) });
      await caughtUp;
    } catch (error) {
      await this.close();
      throw error instanceof StreamsError ? error : new StreamsError(`global table of ${topic} could not start: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    this.isCaughtUp = true;
    this.metrics.caughtUp.set({ topic }, 1);
    logger.info({ topic, groupId: this.groupId }, 'global table caught up');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopWaiting(new StreamsError(`global table of ${this.options.topic} was closed before it caught up`));
    if (this.consumer) {
      await this.consumer.disconnect();
      await this.admin?.deleteGroups([this.groupId]).catch((error: unknown) => this.options.logger.warn({ groupId: this.groupId, err: error }, 'could not delete the global table consumer group'));
    }
    await this.admin?.disconnect();
  }

  private async endOffsets(): Promise<Array<{ partition: number; low: string; high: string }>> {
    const { kafka, topic, logger } = this.options;
    let reconnect = false;
    return retry(
      async () => {
        if (reconnect) {
          // A new client: kafkajs keeps the partition leaders it knows for minutes.
          await this.admin?.disconnect();
          this.admin = kafka.admin();
          await this.admin.connect();
          reconnect = false;
        }
        return (this.admin as Admin).fetchTopicOffsets(topic);
      },
      {
        attempts: END_OFFSETS_ATTEMPTS,
        initialDelayMs: END_OFFSETS_BACKOFF_MS,
        onRetry: (err, attempt, delay) => {
          reconnect = true;
          logger.warn({ topic, attempt, delay, err }, 'reading the end offsets of a global table topic failed; retrying');
        },
      },
    );
  }



  /** The table's consumer, with position tracking, the caught-up check and crash handling wired. */
  private createConsumer(): Consumer {
    const { kafka, topic, logger } = this.options;
    const consumer = kafka.consumer({ groupId: this.groupId, readUncommitted: false, allowAutoTopicCreation: false, maxWaitTimeInMs: FETCH_WAIT_MS });
    this.consumer = consumer;
    // Also reported for batches of control or aborted records only, which never reach eachBatch.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => this.advance(payload.partition, BigInt(payload.lastOffset) + 1n));
    consumer.on(consumer.events.GROUP_JOIN, () => {
      // A rejoin starts from the committed offsets, which this group never has: resume where the table was.
      for (const [partition, offset] of this.positions) consumer.seek({ topic, partition, offset: String(offset) });
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      logger.error({ topic, groupId: this.groupId, err: payload.error, restart: payload.restart }, 'global table consumer crashed');
      if (payload.restart) return;
      this.stopWaiting(payload.error);
      this.notify(payload.error);
    });
    return consumer;
  }

  private advance(partition: number, next: bigint): void {
    this.positions.set(partition, next);
    const end = this.remaining.get(partition);
    if (end !== undefined && next >= end) this.remaining.delete(partition);
    if (this.remaining.size === 0) this.reachedEnds();
  }

  private deliver(batch: Batch): void {
    const { topic, logger, onRecord } = this.options;
    for (const message of batch.messages) {
      if (message.key === null) {
        logger.warn({ topic, partition: batch.partition, offset: message.offset }, 'global table record without a key skipped');
        continue;
      }
      const key = message.key.toString('utf8');
      try {
        onRecord(key, message.value);
        this.metrics.records.inc({ topic });
      } catch (error) {
        this.metrics.recordErrors.inc({ topic });
        logger.error({ topic, partition: batch.partition, offset: message.offset, key, err: error }, 'global table onRecord failed; record skipped');
        this.notify(error);
      }
    }
  }

  private notify(error: unknown): void {
    try {
      this.options.onError?.(error);
    } catch (callbackError) {
      this.options.logger.error({ topic: this.options.topic, err: callbackError }, 'global table onError threw');
    }
  }
}

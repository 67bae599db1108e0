import { CompressionTypes, Partitioners, type Kafka, type Message, type Producer, type TopicMessages } from 'kafkajs';
import type { Registry } from 'prom-client';
import { CLIENT_RETRY } from './client';
import { ProduceTimeoutError, ProducerClosedError, ProducerOverloadedError, toProduceError, type KafkaIoError } from './errors';
import { createProducerMetrics, type ProducerMetrics, type RecordOutcome } from './producer-metrics';

/** One record to write. */
export interface ProducerRecord {
  topic: string;
  key: string | null;
  value: string | Buffer;
  headers?: Record<string, string>;
}

export interface BatchingProducerOptions {
  /**
   * How long the first record of a batch waits for others to join it when no
   * batch is in flight. While one is in flight, records coalesce anyway.
   */
  lingerMs?: number;
  /** A batch is sent as soon as it has this many records. */
  maxBatchRecords?: number;
  /** ...or this many bytes of values. */
  maxBatchBytes?: number;
  /** More records waiting than this: send() fails at once with ProducerOverloadedError. */
  maxQueuedRecords?: number;
  /** A send() not acknowledged within this time fails with ProduceTimeoutError. */
  sendTimeoutMs?: number;
  /** Broker-side wait for the in-sync replicas (the produce request's `timeout`). */
  ackTimeoutMs?: number;
  compression?: CompressionTypes;
  /** Where the producer's metrics are registered. */
  registry?: Registry;
}

export const BATCHING_PRODUCER_DEFAULTS = {
  lingerMs: 2,
  maxBatchRecords: 10_000,
  maxBatchBytes: 8 * 1024 * 1024,
  maxQueuedRecords: 200_000,
  sendTimeoutMs: 10_000,
  ackTimeoutMs: 30_000,
} as const;

interface PendingSend {
  messages: { topic: string; message: Message }[];
  bytes: number;
  startedAt: number;
  settled: boolean;
  dispatched: boolean;
  timer: NodeJS.Timeout;
  resolve(): void;
  reject(error: KafkaIoError): void;
}

/**
 * An idempotent, acks=all producer that coalesces concurrent `send` calls
 * into shared `sendBatch` calls. Each caller's promise resolves only once
 * Kafka acknowledged all of its records, or rejects with a KafkaIoError
 * (`retriable` when trying again later can help).
 *
 * One batch is in flight at a time: records of a send() stay in order, and
 * so do sends of one key. A caller that timed out before its records were
 * dispatched has them withdrawn; if they were already in flight they may
 * still be written (at-least-once: consumers deduplicate by messageId).
 */
export class BatchingProducer {
  readonly producer: Producer;
  private readonly options: Required<Omit<BatchingProducerOptions, 'registry' | 'compression'>> & { compression: CompressionTypes };
  private readonly metrics: ProducerMetrics | undefined;
  private queue: PendingSend[] = [];
  private queuedRecords = 0;
  private queuedBytes = 0;
  private inFlight: Promise<void> | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private connected = false;

  constructor(kafka: Kafka, options: BatchingProducerOptions = {}) {
    this.options = { ...BATCHING_PRODUCER_DEFAULTS, compression: CompressionTypes.None, ...withoutUndefined(options) };
    this.metrics = options.registry ? createProducerMetrics(options.registry) : undefined;
    this.producer = kafka.producer({
      idempotent: true,
      // Idempotence needs unlimited retries; sends are bounded by sendTimeoutMs instead.
      retry: { ...CLIENT_RETRY, retries: Number.MAX_SAFE_INTEGER },
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.producer.on(this.producer.events.CONNECT, () => (this.connected = true));
    this.producer.on(this.producer.events.DISCONNECT, () => (this.connected = false));
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  /** Connected to the cluster and taking records (a readiness signal). */
  get isReady(): boolean {
    return this.connected && !this.closed;
  }

  /** Records waiting to be dispatched. */
  get queued(): number {
    return this.queuedRecords;
  }

  /** Resolves when Kafka acknowledged every record (acks=all). */
  send(records: readonly ProducerRecord[]): Promise<void> {
    if (this.closed) return this.refuse(records.length, 'closed', new ProducerClosedError('the producer is closing and takes no more records'));
    if (records.length === 0) return Promise.resolve();
    if (this.queuedRecords + records.length > this.options.maxQueuedRecords) {
      const error = new ProducerOverloadedError(`${this.queuedRecords} records are already waiting for Kafka (limit ${this.options.maxQueuedRecords}): try again later`);
      return this.refuse(records.length, 'overloaded', error);
    }
    return new Promise<void>((resolve, reject) => {
      const messages = records.map((record) => ({ topic: record.topic, message: toMessage(record) }));
      const bytes = records.reduce((sum, record) => sum + Buffer.byteLength(record.value), 0);
      const pending: PendingSend = {
        messages,
        bytes,
        startedAt: performance.now(),
        settled: false,
        dispatched: false,
        timer: setTimeout(() => this.expire(pending), this.options.sendTimeoutMs),
        resolve,
        reject,
      };
      this.queue.push(pending);
      this.queuedRecords += messages.length;
      this.queuedBytes += bytes;
      this.metrics?.queuedRecords.set(this.queuedRecords);
      this.schedule();
    });
  }

  /** Sends what is queued now and resolves when nothing is queued or in flight. */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight) {
      if (!this.inFlight) this.dispatch();
      await this.inFlight;
    }
  }

  /** Refuses new records, sends the queued ones, then disconnects. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    await this.producer.disconnect();
  }

  private refuse(count: number, outcome: RecordOutcome, error: KafkaIoError): Promise<void> {
    this.metrics?.records.inc({ outcome }, count);
    return Promise.reject(error);
  }

  private schedule(): void {
    if (this.inFlight) return;
    if (this.queuedRecords >= this.options.maxBatchRecords || this.queuedBytes >= this.options.maxBatchBytes) return this.dispatch();
    this.lingerTimer ??= setTimeout(() => this.dispatch(), this.options.lingerMs);
  }

  private dispatch(): void {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    const batch = this.takeBatch();
    if (batch.length === 0) return;
    const topicMessages = groupByTopic(batch);
    const records = batch.reduce((sum, pending) => sum + pending.messages.length, 0);
    const startedAt = performance.now();
    this.metrics?.batchRecords.observe(records);
    this.inFlight = this.producer
      .sendBatch({ topicMessages, acks: -1, timeout: this.options.ackTimeoutMs, compression: this.options.compression })
      .then(
        () => this.settleBatch(batch, startedAt, 'acked'),
        (error: unknown) => this.settleBatch(batch, startedAt, 'failed', toProduceError(error)),
      )
      .finally(() => {
        this.inFlight = undefined;
        // Whatever queued up meanwhile has waited a full round trip already: send it now.
        if (this.queue.length > 0) this.dispatch();
      });
  }

  /** Takes whole sends from the queue up to the batch limits (at least one), skipping expired ones. */
  private takeBatch(): PendingSend[] {
    const batch: PendingSend[] = [];
    let records = 0;
    let bytes = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0] as PendingSend;
      const full = records + next.messages.length > this.options.maxBatchRecords || bytes + next.bytes > this.options.maxBatchBytes;
      if (batch.length > 0 && full) break;
      this.queue.shift();
      this.unqueue(next);
      if (next.settled) continue;
      next.dispatched = true;
      batch.push(next);
      records += next.messages.length;
      bytes += next.bytes;
    }
    return batch;
  }

  private unqueue(pending: PendingSend): void {
    this.queuedRecords -= pending.messages.length;
    this.queuedBytes -= pending.bytes;
    this.metrics?.queuedRecords.set(this.queuedRecords);
  }

  private settleBatch(batch: PendingSend[], startedAt: number, outcome: 'acked' | 'failed', error?: KafkaIoError): void {
    this.metrics?.batches.inc({ outcome });
    this.metrics?.batchDuration.observe({ outcome }, (performance.now() - startedAt) / 1_000);
    for (const pending of batch) {
      if (pending.settled) continue;
      if (error) this.settle(pending, 'failed', error);
      else this.settle(pending, 'acked');
    }
  }

  private expire(pending: PendingSend): void {
    if (pending.settled) return;
    if (!pending.dispatched) {
      this.queue = this.queue.filter((queued) => queued !== pending);
      this.unqueue(pending);
    }
    const where = pending.dispatched ? 'in flight (they may still be written)' : 'still queued (withdrawn)';
    this.settle(pending, 'timed_out', new ProduceTimeoutError(`Kafka did not acknowledge ${pending.messages.length} records within ${this.options.sendTimeoutMs} ms; they were ${where}`));
  }

  private settle(pending: PendingSend, outcome: RecordOutcome, error?: KafkaIoError): void {
    pending.settled = true;
    clearTimeout(pending.timer);
    this.metrics?.records.inc({ outcome }, pending.messages.length);
    this.metrics?.ackWait.observe({ outcome }, (performance.now() - pending.startedAt) / 1_000);
    if (error) pending.reject(error);
    else pending.resolve();
  }
}

function toMessage(record: ProducerRecord): Message {
  const message: Message = { key: record.key, value: record.value };
  if (record.headers) message.headers = record.headers;
  return message;
}

function groupByTopic(batch: readonly PendingSend[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const pending of batch) {
    for (const { topic, message } of pending.messages) {
      const messages = byTopic.get(topic);
      if (messages) messages.push(message);
      else byTopic.set(topic, [message]);
    }
  }
  return Array.from(byTopic, ([topic, messages]) => ({ topic, messages }));
}

function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

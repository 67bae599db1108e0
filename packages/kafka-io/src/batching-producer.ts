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
  /** Read-only: records may share one headers object. */
  headers?: Readonly<Record<string, string>>;
}

export interface BatchingProducerOptions {
  /**
   * How long the oldest record of a batch may wait for others to join it
   * (Kafka's linger.ms). While a batch is in flight, records gather anyway.
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
  lingerMs: 5,
  maxBatchRecords: 10_000,
  /**
   * Below the broker's default `message.max.bytes` (1 MiB), which bounds the
   * record batch of each partition: a sendBatch this size can never be refused
   * as too large, whatever partitions its records go to.
   */
  maxBatchBytes: 900 * 1024,
  maxQueuedRecords: 200_000,
  sendTimeoutMs: 10_000,
  ackTimeoutMs: 30_000,
} as const;

interface QueuedMessage {
  topic: string;
  message: Message;
  bytes: number;
}

interface PendingSend {
  messages: QueuedMessage[];
  /** Index of the first message not yet dispatched. */
  next: number;
  /** Dispatched messages Kafka has not acknowledged yet. */
  unacked: number;
  startedAt: number;
  settled: boolean;
  timer: NodeJS.Timeout;
  resolve(): void;
  reject(error: KafkaIoError): void;
}

/** The part of one send() that goes into one sendBatch call. */
interface Chunk {
  pending: PendingSend;
  count: number;
}

/**
 * An idempotent, acks=all producer that coalesces concurrent `send` calls
 * into shared `sendBatch` calls. Each caller's promise resolves only once
 * Kafka acknowledged all of its records, or rejects with a KafkaIoError
 * (`retriable` when trying again later can help).
 *
 * One batch is in flight at a time, so records stay in the order they were
 * sent, across callers too. A send larger than a batch is split over
 * consecutive batches. A caller that timed out has its records that were not
 * dispatched yet withdrawn; records already in flight may still be written
 * (at-least-once: consumers deduplicate by messageId).
 */
export class BatchingProducer {
  readonly producer: Producer;
  private readonly options: Required<Omit<BatchingProducerOptions, 'registry' | 'compression'>> & { compression: CompressionTypes };
  private readonly metrics: ProducerMetrics | undefined;
  private queue: PendingSend[] = [];
  private queuedRecords = 0;
  private queuedBytes = 0;
  private inFlight: Promise<void> | undefined;
  /** When the oldest send of the batch in flight started. */
  private inFlightSince: number | undefined;
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
    this.producer.on(this.producer.events.DISCONNECT, () => (this.connected = false));
  }

  /**
   * Resolves once the idempotent producer has its producer id. (kafkajs emits
   * its CONNECT event before that: sending then would race the initialisation.)
   */
  async connect(): Promise<void> {
    await this.producer.connect();
    this.connected = true;
  }

  /** Connected to the cluster and taking records (a readiness signal). */
  get isReady(): boolean {
    return this.connected && !this.closed;
  }

  /** Records waiting to be dispatched. */
  get queued(): number {
    return this.queuedRecords;
  }

  /**
   * How long the oldest record not yet acknowledged by Kafka has waited, in
   * ms (0 when none waits): writes are stuck when this passes the send
   * timeout, whatever the connection state says.
   */
  pendingForMs(): number {
    const oldest = Math.min(this.queue[0]?.startedAt ?? Infinity, this.inFlightSince ?? Infinity);
    return oldest === Infinity ? 0 : performance.now() - oldest;
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
      const messages = records.map(toQueuedMessage);
      const pending: PendingSend = {
        messages,
        next: 0,
        unacked: 0,
        startedAt: performance.now(),
        settled: false,
        timer: setTimeout(() => this.expire(pending), this.options.sendTimeoutMs),
        resolve,
        reject,
      };
      this.queue.push(pending);
      this.queuedRecords += messages.length;
      for (const message of messages) this.queuedBytes += message.bytes;
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

  /**
   * Sends when the batch is full, or once its oldest record has waited
   * lingerMs (Kafka's linger.ms): records that arrive meanwhile share the
   * produce call, which costs the client and the broker far more than a record.
   */
  private schedule(): void {
    if (this.inFlight) return;
    if (this.queuedRecords >= this.options.maxBatchRecords || this.queuedBytes >= this.options.maxBatchBytes) return this.dispatch();
    if (this.lingerTimer) return;
    const oldest = this.queue[0];
    if (!oldest) return;
    const wait = this.options.lingerMs - (performance.now() - oldest.startedAt);
    if (wait <= 0) return this.dispatch();
    this.lingerTimer = setTimeout(() => this.dispatch(), wait);
  }

  private dispatch(): void {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    const { chunks, topicMessages, records } = this.takeBatch();
    if (records === 0) return;
    const startedAt = performance.now();
    this.inFlightSince = Math.min(...chunks.map((chunk) => chunk.pending.startedAt));
    this.metrics?.batchRecords.observe(records);
    this.inFlight = this.producer
      .sendBatch({ topicMessages, acks: -1, timeout: this.options.ackTimeoutMs, compression: this.options.compression })
      .then(
        () => this.settleBatch(chunks, startedAt),
        (error: unknown) => this.settleBatch(chunks, startedAt, toProduceError(error)),
      )
      .finally(() => {
        this.inFlight = undefined;
        this.inFlightSince = undefined;
        this.schedule();
      });
  }

  /** Takes records in queue order up to the batch limits (at least one), grouped by topic. */
  private takeBatch(): { chunks: Chunk[]; topicMessages: TopicMessages[]; records: number } {
    const chunks: Chunk[] = [];
    const byTopic = new Map<string, Message[]>();
    let records = 0;
    let bytes = 0;
    while (this.queue.length > 0) {
      const pending = this.queue[0] as PendingSend;
      let count = 0;
      while (pending.next < pending.messages.length) {
        const queued = pending.messages[pending.next] as QueuedMessage;
        if (records > 0 && (records + 1 > this.options.maxBatchRecords || bytes + queued.bytes > this.options.maxBatchBytes)) break;
        const messages = byTopic.get(queued.topic);
        if (messages) messages.push(queued.message);
        else byTopic.set(queued.topic, [queued.message]);
        pending.next += 1;
        count += 1;
        records += 1;
        bytes += queued.bytes;
      }
      this.unqueue(count, pending.messages, pending.next - count, pending.next);
      if (count > 0) {
        pending.unacked += count;
        chunks.push({ pending, count });
      }
      if (pending.next < pending.messages.length) break;
      this.queue.shift();
    }
    return { chunks, topicMessages: Array.from(byTopic, ([topic, messages]) => ({ topic, messages })), records };
  }

  private unqueue(count: number, messages: readonly QueuedMessage[], from: number, to: number): void {
    this.queuedRecords -= count;
    for (let index = from; index < to; index += 1) this.queuedBytes -= (messages[index] as QueuedMessage).bytes;
    this.metrics?.queuedRecords.set(this.queuedRecords);
  }

  private settleBatch(chunks: readonly Chunk[], startedAt: number, error?: KafkaIoError): void {
    const outcome = error ? 'failed' : 'acked';
    this.metrics?.batches.inc({ outcome });
    this.metrics?.batchDuration.observe({ outcome }, (performance.now() - startedAt) / 1_000);
    for (const { pending, count } of chunks) {
      pending.unacked -= count;
      if (pending.settled) continue;
      if (error) {
        this.withdraw(pending);
        this.settle(pending, 'failed', error);
      } else if (pending.unacked === 0 && pending.next === pending.messages.length) {
        this.settle(pending, 'acked');
      }
    }
  }

  private expire(pending: PendingSend): void {
    if (pending.settled) return;
    const dispatched = pending.next;
    this.withdraw(pending);
    const where = dispatched > 0 ? `${dispatched} were in flight (they may still be written)` : 'none had been sent (all withdrawn)';
    this.settle(pending, 'timed_out', new ProduceTimeoutError(`Kafka did not acknowledge ${pending.messages.length} records within ${this.options.sendTimeoutMs} ms; ${where}`));
  }

  /** Takes the records of a send that were not dispatched yet out of the queue. */
  private withdraw(pending: PendingSend): void {
    if (!this.queue.includes(pending)) return;
    this.queue = this.queue.filter((queued) => queued !== pending);
    this.unqueue(pending.messages.length - pending.next, pending.messages, pending.next, pending.messages.length);
    pending.next = pending.messages.length;
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

/** Approximate bytes of a record in a batch: value, key and headers (framing is small next to the limit's headroom). */
function toQueuedMessage(record: ProducerRecord): QueuedMessage {
  const message: Message = { key: record.key, value: record.value };
  let bytes = Buffer.byteLength(record.value) + (record.key === null ? 0 : Buffer.byteLength(record.key));
  if (record.headers) {
    message.headers = record.headers;
    bytes += headerBytes(record.headers);
  }
  return { topic: record.topic, message, bytes };
}

/** Bytes of each frozen headers object (it cannot change), counted once however many records share it. */
const frozenHeaderBytes = new WeakMap<object, number>();

function headerBytes(headers: Readonly<Record<string, string>>): number {
  const known = frozenHeaderBytes.get(headers);
  if (known !== undefined) return known;
  let bytes = 0;
  for (const [name, value] of Object.entries(headers)) bytes += name.length + Buffer.byteLength(value);
  if (Object.isFrozen(headers)) frozenHeaderBytes.set(headers, bytes);
  return bytes;
}

function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

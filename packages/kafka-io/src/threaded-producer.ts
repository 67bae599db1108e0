import { once } from 'node:events';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { BatchingProducerOptions, ProducerRecord } from './batching-producer';
import { BATCHING_PRODUCER_DEFAULTS } from './batching-producer';
import type { KafkaLogger } from './client';
import type { KafkaConnectionConfig } from './config';
import { KafkaUnavailableError, ProduceTimeoutError, ProducerClosedError, type KafkaIoError } from './errors';
import { deserializeError, toSendRequest, type FromWorker, type SendRequest, type ToWorker, type WorkerSettings } from './worker-protocol';

export interface ThreadedProducerOptions extends Omit<BatchingProducerOptions, 'registry'> {
  connection: KafkaConnectionConfig;
  /** Receives kafkajs' logs from the producer thread. */
  logger?: KafkaLogger;
  /** Labels on the producer thread's metrics, e.g. `{ service: 'ingress' }`. */
  metricLabels?: Record<string, string>;
  /** Called once if the producer thread stops without close(): the process should stop. */
  onFailure?: (error: KafkaIoError) => void;
}

/**
 * Beyond the producer thread's own send timeout: a caller is answered even
 * if that thread stopped answering altogether.
 */
const THREAD_SILENCE_MARGIN_MS = 5_000;

/**
 * From TypeScript sources (tests) the thread loads the worker through
 * ts-node; built code runs the compiled JavaScript. A process started with
 * V8 profiling (`--cpu-prof`, `--heap-prof`, their `--…-dir=DIR` forms)
 * profiles the thread too: a good part of an event's CPU is spent there.
 */
const WORKER_FILE = join(__dirname, `producer-worker${extname(__filename)}`);
const PROFILING_FLAGS = process.execArgv.filter((flag) => /^--(cpu|heap)-prof/.test(flag));
const WORKER_EXEC_ARGV = [...(extname(__filename) === '.ts' ? ['--require', 'ts-node/register/transpile-only'] : []), ...PROFILING_FLAGS];

/**
 * The producer thread's young generation (V8's default for a thread: 48 MB,
 * i.e. 16 MB semi-spaces). Records wait in the thread for Kafka's
 * acknowledgement (linger plus the batch in flight, ~100 ms under load): in
 * the default young generation they outlived scavenges and were promoted, so
 * V8's collector threads copied and then marked them. Twice the size lets most
 * of them die young (the benchmark's ingress CPU per event: about 2 µs less),
 * for at most 48 MB more memory under full load.
 */
const PRODUCER_THREAD_YOUNG_GENERATION_MB = 96;

interface Waiting {
  resolve(): void;
  reject(error: KafkaIoError): void;
  timer: NodeJS.Timeout;
}

/**
 * A BatchingProducer running in a worker thread, with the same `send`
 * contract: the promise resolves once Kafka acknowledged every record
 * (acks=all, idempotent) or rejects with a KafkaIoError. kafkajs' record
 * encoding, about a third of an event's CPU cost, then runs beside the main thread
 * instead of on it. Sends of one tick cross the thread boundary together.
 */
export class ThreadedProducer {
  private readonly waiting = new Map<number, Waiting>();
  /** When each send the thread has not answered yet was made, in send order (kept past a caller's timeout). */
  private readonly unanswered = new Map<number, number>();
  /** The thread's last report of its own oldest unacknowledged record (a caller may have timed out on it). */
  private threadPending = { ms: 0, at: 0 };
  private readonly metricRequests = new Map<number, (metrics: Extract<FromWorker, { type: 'metrics' }>['metrics']) => void>();
  private outbox: SendRequest[] = [];
  private nextId = 1;
  private connected = false;
  private closing = false;
  private exited = false;
  private readonly silenceTimeoutMs: number;
  private readonly started: Promise<void>;
  private startup: { resolve(): void; reject(error: KafkaIoError): void } | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly options: ThreadedProducerOptions,
  ) {
    this.silenceTimeoutMs = (options.sendTimeoutMs ?? BATCHING_PRODUCER_DEFAULTS.sendTimeoutMs) + THREAD_SILENCE_MARGIN_MS;
    this.started = new Promise((resolve, reject) => (this.startup = { resolve, reject }));
    worker.on('message', (message: FromWorker) => this.receive(message));
    worker.on('error', (error) => this.stopped(new KafkaUnavailableError(`the producer thread failed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => this.stopped(new KafkaUnavailableError(`the producer thread exited (code ${code})`)));
  }

  /** Starts the producer thread and resolves once it is connected to Kafka. */
  static async start(options: ThreadedProducerOptions): Promise<ThreadedProducer> {
    const { connection, logger, metricLabels, onFailure: _onFailure, ...producer } = options;
    const settings: WorkerSettings = { connection, producer, metricLabels: metricLabels ?? {}, forwardLogs: logger !== undefined };
    const threaded = new ThreadedProducer(new Worker(WORKER_FILE, { workerData: settings, execArgv: WORKER_EXEC_ARGV, resourceLimits: { maxYoungGenerationSizeMb: PRODUCER_THREAD_YOUNG_GENERATION_MB } }), options);
    await threaded.started;
    return threaded;
  }

  /** Connected to the cluster and taking records (a readiness signal). */
  get isReady(): boolean {
    return this.connected && !this.closing && !this.exited;
  }

  /**
   * How long the oldest record not acknowledged by Kafka has waited, in ms
   * (0 when none): the older of the oldest send the thread has not answered
   * (the thread itself may be stuck) and the thread's own report (Kafka may
   * be stuck, with the callers already answered with a timeout). Writes are
   * stuck when this passes the send timeout.
   */
  pendingForMs(): number {
    const now = performance.now();
    const reported = this.threadPending.ms > 0 ? this.threadPending.ms + (now - this.threadPending.at) : 0;
    for (const sentAt of this.unanswered.values()) return Math.max(now - sentAt, reported);
    return reported;
  }

  /** Resolves when Kafka acknowledged every record (acks=all). */
  send(records: readonly ProducerRecord[]): Promise<void> {
    if (this.closing || this.exited) return Promise.reject(new ProducerClosedError('the producer is closing and takes no more records'));
    if (records.length === 0) return Promise.resolve();
    const id = this.nextId++;
    // No closure here refers to `records`: the timer would keep them alive until Kafka's acknowledgement.
    const acknowledged = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => this.settle(id, new ProduceTimeoutError(`the producer thread did not answer within ${this.silenceTimeoutMs} ms`)), this.silenceTimeoutMs);
      this.waiting.set(id, { resolve, reject, timer });
    });
    this.unanswered.set(id, performance.now());
    if (this.outbox.length === 0) setImmediate(() => this.post({ type: 'send', sends: this.outbox.splice(0) }));
    this.outbox.push(toSendRequest(id, records));
    return acknowledged;
  }

  /** The producer thread's metrics (kafka_producer_*), as a registry to merge into the service's. */
  async metrics(): Promise<Registry> {
    if (this.exited) return AggregatorRegistry.aggregate([]);
    const id = this.nextId++;
    const metrics = new Promise<Extract<FromWorker, { type: 'metrics' }>['metrics']>((resolve) => this.metricRequests.set(id, resolve));
    this.post({ type: 'metrics', id });
    return AggregatorRegistry.aggregate([await metrics]);
  }

  /** Refuses new records, lets the thread send the queued ones and disconnect, then ends it. */
  async close(): Promise<void> {
    if (this.exited) return;
    this.closing = true;
    if (this.outbox.length > 0) this.post({ type: 'send', sends: this.outbox.splice(0) });
    const exited = once(this.worker, 'exit');
    this.post({ type: 'close' });
    await exited;
  }

  private post(message: ToWorker): void {
    if (!this.exited) this.worker.postMessage(message);
  }

  private receive(message: FromWorker): void {
    switch (message.type) {
      case 'acked':
        for (const id of message.ids) {
          this.unanswered.delete(id);
          this.settle(id);
        }
        return;
      case 'failed':
        this.unanswered.delete(message.id);
        this.settle(message.id, deserializeError(message.error));
        return;
      case 'connected':
      case 'disconnected':
        this.connected = message.type === 'connected';
        if (this.connected) this.startup?.resolve();
        this.startup = undefined;
        return;
      case 'start-failed':
        this.startup?.reject(deserializeError(message.error));
        this.startup = undefined;
        this.closing = true;
        void this.worker.terminate();
        return;
      case 'metrics':
        this.metricRequests.get(message.id)?.(message.metrics);
        this.metricRequests.delete(message.id);
        return;
      case 'log':
        this.options.logger?.[message.level](message.context, message.message);
        return;
      case 'pending':
        this.threadPending = { ms: message.ms, at: performance.now() };
        return;
      case 'closed':
        return;
    }
  }

  private settle(id: number, error?: KafkaIoError): void {
    const waiting = this.waiting.get(id);
    if (!waiting) return;
    this.waiting.delete(id);
    clearTimeout(waiting.timer);
    if (error) waiting.reject(error);
    else waiting.resolve();
  }

  /** The thread ended: every caller still waiting gets a retriable error. */
  private stopped(error: KafkaIoError): void {
    if (this.exited) return;
    this.exited = true;
    this.connected = false;
    this.startup?.reject(error);
    this.startup = undefined;
    for (const id of Array.from(this.waiting.keys())) this.settle(id, error);
    this.unanswered.clear();
    for (const resolve of this.metricRequests.values()) resolve([]);
    this.metricRequests.clear();
    if (!this.closing) this.options.onFailure?.(error);
  }
}

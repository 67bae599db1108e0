import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { BatchingProducerOptions, ProducerRecord } from './batching-producer';
import type { KafkaConnectionConfig } from './config';
import { KafkaIoError, KafkaUnavailableError, ProduceRejectedError, ProduceTimeoutError, ProducerClosedError, ProducerOverloadedError } from './errors';

/** What the producer thread is started with (`workerData`). */
export interface WorkerSettings {
  connection: KafkaConnectionConfig;
  producer: Omit<BatchingProducerOptions, 'registry'>;
  /** Labels on the thread's metrics, e.g. `{ service: 'ingress' }`. */
  metricLabels: Record<string, string>;
  /** Forward kafkajs' logs to the main thread. */
  forwardLogs: boolean;
}

/**
 * One send's records, column by column: arrays of strings cost far less to
 * clone across the thread boundary than an object per record, and records
 * sharing one headers object (the events of a request do) carry it across once.
 */
export interface SendRequest {
  id: number;
  topics: string[];
  keys: (string | null)[];
  values: (string | Buffer)[];
  headers: (Readonly<Record<string, string>> | undefined)[];
}

export function toSendRequest(id: number, records: readonly ProducerRecord[]): SendRequest {
  const request: SendRequest = { id, topics: [], keys: [], values: [], headers: [] };
  for (const record of records) {
    request.topics.push(record.topic);
    request.keys.push(record.key);
    request.values.push(record.value);
    request.headers.push(record.headers);
  }
  return request;
}

/** The records of a send as the producer thread received it; their headers objects are its own copies, frozen. */
export function fromSendRequest(request: SendRequest): ProducerRecord[] {
  return request.topics.map((topic, index) => {
    const headers = request.headers[index];
    const record: ProducerRecord = { topic, key: request.keys[index] ?? null, value: request.values[index] ?? '' };
    if (headers !== undefined) record.headers = Object.freeze(headers);
    return record;
  });
}

/** Main thread → producer thread. */
export type ToWorker = { type: 'send'; sends: SendRequest[] } | { type: 'metrics'; id: number } | { type: 'close' };

/** How often the producer thread reports how long its oldest unacknowledged record has waited. */
export const PENDING_REPORT_INTERVAL_MS = 250;

export interface SerializedError {
  name: string;
  message: string;
  retriable: boolean;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Producer thread → main thread. */
export type FromWorker =
  | { type: 'connected' }
  | { type: 'disconnected' }
  | { type: 'start-failed'; error: SerializedError }
  | { type: 'acked'; ids: number[] }
  | { type: 'failed'; id: number; error: SerializedError }
  | { type: 'metrics'; id: number; metrics: MetricObjectWithValues<MetricValue<string>>[] }
  | { type: 'log'; level: LogLevel; context: object; message: string }
  /** The thread's BatchingProducer.pendingForMs(), sent every PENDING_REPORT_INTERVAL_MS. */
  | { type: 'pending'; ms: number }
  | { type: 'closed' };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof KafkaIoError) return { name: error.name, message: error.message, retriable: error.retriable };
  return { name: 'KafkaUnavailableError', message: error instanceof Error ? error.message : String(error), retriable: true };
}

/** Rebuilds the typed error on the other side of the thread boundary. */
export function deserializeError(error: SerializedError): KafkaIoError {
  switch (error.name) {
    case 'ProduceTimeoutError':
      return new ProduceTimeoutError(error.message);
    case 'ProducerOverloadedError':
      return new ProducerOverloadedError(error.message);
    case 'ProducerClosedError':
      return new ProducerClosedError(error.message);
    default:
      return error.retriable ? new KafkaUnavailableError(error.message) : new ProduceRejectedError(error.message);
  }
}

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

export interface SendRequest {
  id: number;
  records: ProducerRecord[];
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

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Seconds buckets from 1 ms to 10 s: a local broker acks in milliseconds, a struggling one in seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_RECORD_BUCKETS = [1, 5, 10, 50, 100, 500, 1_000, 2_500, 5_000, 10_000];

export type RecordOutcome = 'acked' | 'failed' | 'timed_out' | 'overloaded' | 'closed';

/** The producer's queue, batches and every error path, as Prometheus metrics. */
export interface ProducerMetrics {
  records: Counter<'outcome'>;
  batches: Counter<'outcome'>;
  batchRecords: Histogram;
  batchDuration: Histogram<'outcome'>;
  ackWait: Histogram<'outcome'>;
  queuedRecords: Gauge;
}

export function createProducerMetrics(registry: Registry): ProducerMetrics {
  return {
    records: reuse(registry, 'kafka_producer_records_total', () => new Counter({ name: 'kafka_producer_records_total', help: 'Records handed to the batching producer, by outcome', labelNames: ['outcome'], registers: [registry] })),
    batches: reuse(registry, 'kafka_producer_batches_total', () => new Counter({ name: 'kafka_producer_batches_total', help: 'sendBatch calls, by outcome', labelNames: ['outcome'], registers: [registry] })),
    batchRecords: reuse(registry, 'kafka_producer_batch_records', () => new Histogram({ name: 'kafka_producer_batch_records', help: 'Records per sendBatch call (coalesced from concurrent send calls)', buckets: BATCH_RECORD_BUCKETS, registers: [registry] })),
    batchDuration: reuse(registry, 'kafka_producer_batch_duration_seconds', () => new Histogram({ name: 'kafka_producer_batch_duration_seconds', help: 'Time of one sendBatch call until Kafka acknowledged it (acks=all)', labelNames: ['outcome'], buckets: LATENCY_BUCKETS, registers: [registry] })),
    ackWait: reuse(registry, 'kafka_producer_ack_wait_seconds', () => new Histogram({ name: 'kafka_producer_ack_wait_seconds', help: "Time a send() caller waited for its records' acknowledgement (linger + queue + produce)", labelNames: ['outcome'], buckets: LATENCY_BUCKETS, registers: [registry] })),
    queuedRecords: reuse(registry, 'kafka_producer_queued_records', () => new Gauge({ name: 'kafka_producer_queued_records', help: 'Records waiting to be sent', registers: [registry] })),
  };
}

/** Two producers on one registry share the metrics instead of failing to register them twice. */
function reuse<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

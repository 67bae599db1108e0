import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Commits are due every commit interval (250 ms to 1 s): buckets fine enough around it to tell whether commits keep up. */
const COMMIT_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2.5, 5];

/**
 * The runtime's Prometheus metrics, registered on the registry the caller
 * passes. Runtimes sharing a registry (a live generation and a rebuild in
 * one process) share the metrics registered there already.
 */
export function createStreamsMetrics(registry: Registry | undefined) {
  const registers = registry ? [registry] : [];
  const reuse = <M>(name: string, create: (name: string) => M): M => (registry?.getSingleMetric(name) as M | undefined) ?? create(name);
  return {
    recordsProcessed: reuse('streams_records_processed_total', (name) => new Counter({ name, help: 'Input records processed, by sub-topology', labelNames: ['subtopology'], registers })),
    commits: reuse('streams_commits_total', (name) => new Counter({ name, help: 'Task commits (one Kafka transaction each), by outcome', labelNames: ['outcome'], registers })),
    commitLatency: reuse('streams_commit_duration_seconds', (name) => new Histogram({ name, help: 'Time to commit a task: transaction plus Redis apply', buckets: COMMIT_BUCKETS_SECONDS, registers })),
    batchLatency: reuse('streams_batch_duration_seconds', (name) => new Histogram({ name, help: 'Time to process one fetched batch', buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers })),
    lag: reuse('streams_consumer_lag', (name) => new Gauge({ name, help: 'Records behind the partition end, per source topic and partition', labelNames: ['topic', 'partition'], registers })),
    restoredRecords: reuse('streams_restored_records_total', (name) => new Counter({ name, help: 'Changelog records replayed into Redis, by store', labelNames: ['store'], registers })),
    tasksRestoring: reuse('streams_tasks_restoring', (name) => new Gauge({ name, help: 'Tasks whose stores are being restored', registers })),
    punctuations: reuse('streams_punctuations_total', (name) => new Counter({ name, help: 'Punctuators run (context.schedule)', registers })),
    taskRecoveries: reuse('streams_task_recoveries_total', (name) => new Counter({ name, help: 'Tasks re-initialized after a failure, by reason', labelNames: ['reason'], registers })),
  };
}

export type StreamsMetrics = ReturnType<typeof createStreamsMetrics>;

/**
 * Tasks re-initialized from Kafka so far, by reason (error name), as counted
 * on the registry passed to KafkaStreams. A normal run has none: tests that
 * drive traffic assert `{}`.
 */
export async function taskRecoveriesByReason(registry: Registry): Promise<Record<string, number>> {
  const values = (await registry.getSingleMetric('streams_task_recoveries_total')?.get())?.values ?? [];
  return Object.fromEntries(values.filter((v) => v.value > 0).map((v) => [String(v.labels.reason), v.value]));
}

/**
 * Metrics of GlobalTables. Several tables may share one registry: a metric
 * registered there already is reused (each table sets its own `topic` label).
 */
export function createGlobalTableMetrics(registry: Registry | undefined) {
  const registers = registry ? [registry] : [];
  const existing = (name: string) => registry?.getSingleMetric(name);
  const counter = (name: string, help: string) => {
    const metric = existing(name);
    return metric instanceof Counter ? (metric as Counter<'topic'>) : new Counter({ name, help, labelNames: ['topic'], registers });
  };
  const caughtUp = existing('streams_global_table_caught_up');
  return {
    records: counter('streams_global_table_records_total', 'Records a global table delivered to onRecord, by topic'),
    recordErrors: counter('streams_global_table_record_errors_total', 'Records of a global table that onRecord rejected (logged and skipped), by topic'),
    caughtUp:
      caughtUp instanceof Gauge
        ? (caughtUp as Gauge<'topic'>)
        : new Gauge({ name: 'streams_global_table_caught_up', help: '1 once a global table has read its topic up to the end offsets it found at start', labelNames: ['topic'], registers }),
  };
}

export type GlobalTableMetrics = ReturnType<typeof createGlobalTableMetrics>;

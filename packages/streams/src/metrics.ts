import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The runtime's Prometheus metrics, registered on the registry the caller passes. */
export function createStreamsMetrics(registry: Registry | undefined) {
  const registers = registry ? [registry] : [];
  return {
    recordsProcessed: new Counter({ name: 'streams_records_processed_total', help: 'Input records processed, by sub-topology', labelNames: ['subtopology'], registers }),
    commits: new Counter({ name: 'streams_commits_total', help: 'Task commits (one Kafka transaction each), by outcome', labelNames: ['outcome'], registers }),
    commitLatency: new Histogram({ name: 'streams_commit_duration_seconds', help: 'Time to commit a task: transaction plus Redis apply', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers }),
    batchLatency: new Histogram({ name: 'streams_batch_duration_seconds', help: 'Time to process one fetched batch', buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers }),
    lag: new Gauge({ name: 'streams_consumer_lag', help: 'Records behind the partition end, per source topic and partition', labelNames: ['topic', 'partition'], registers }),
    restoredRecords: new Counter({ name: 'streams_restored_records_total', help: 'Changelog records replayed into Redis, by store', labelNames: ['store'], registers }),
    tasksRestoring: new Gauge({ name: 'streams_tasks_restoring', help: 'Tasks whose stores are being restored', registers }),
    taskRecoveries: new Counter({ name: 'streams_task_recoveries_total', help: 'Tasks re-initialized after a failure, by reason', labelNames: ['reason'], registers }),
  };
}

export type StreamsMetrics = ReturnType<typeof createStreamsMetrics>;

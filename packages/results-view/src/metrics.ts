import { Counter, Gauge, type Registry } from 'prom-client';

/** The package's metrics, registered on the service's registry. */
export interface ResultsViewMetrics {
  /** Records read per topic kind and outcome: applied, stale (not newer), tombstone, invalid. */
  records: Counter<'kind' | 'outcome'>;
  /** Experiments with a results record in this instance. */
  experiments: Gauge;
  /** Partitions of the three topics this instance has not read up to their start-up end yet. */
  partitionsBehind: Gauge;
  /** Results records by what they did to the remembered status: not_newer, unchanged, changed. */
  statusAdvances: Counter<'outcome'>;
  /** Outbox deliveries per destination (group) and outcome: delivered, retry_later, dropped. */
  deliveries: Counter<'group' | 'outcome'>;
  /** Slack alerts sent, per kind. */
  slackMessages: Counter<'kind'>;
  /** Slack calls retried (429, 5xx, network). */
  slackRetries: Counter;
  /** Decision records produced, per status. */
  decisions: Counter<'status'>;
}

export function createResultsViewMetrics(registry: Registry): ResultsViewMetrics {
  const registers = [registry];
  return {
    records: new Counter({ name: 'results_view_records_total', help: 'Records read from the results, breakdown and series topics, by kind and outcome', labelNames: ['kind', 'outcome'], registers }),
    experiments: new Gauge({ name: 'results_view_experiments', help: 'Experiments with a results record in this instance', registers }),
    partitionsBehind: new Gauge({ name: 'results_view_partitions_behind', help: 'Partitions not yet read up to the end they had at start-up', registers }),
    statusAdvances: new Counter({ name: 'results_view_status_advances_total', help: 'Results records by their effect on the remembered status', labelNames: ['outcome'], registers }),
    deliveries: new Counter({ name: 'results_view_outbox_deliveries_total', help: 'Status-change deliveries by destination and outcome', labelNames: ['group', 'outcome'], registers }),
    slackMessages: new Counter({ name: 'results_view_slack_messages_total', help: 'Slack alerts posted, by kind', labelNames: ['kind'], registers }),
    slackRetries: new Counter({ name: 'results_view_slack_retries_total', help: 'Slack webhook calls retried after 429, 5xx or a network error', registers }),
    decisions: new Counter({ name: 'results_view_decisions_total', help: 'Decision records produced, by status', labelNames: ['status'], registers }),
  };
}

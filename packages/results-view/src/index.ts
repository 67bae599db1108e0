/**
 * @abtest/results-view — a downstream view of the results topic: the
 * latest results per experiment, the JSON views the dashboard and API
 * serve, and status changes delivered once to Slack and a decisions topic.
 * The records, their parsers and the API's shapes are @abtest/results-contract's.
 */
export { ResultsViewError, SlackDeliveryError, OutboxError } from './errors';
export { wilsonInterval, normalInterval, Z_95, INTERVAL_LEVEL, type Interval } from './intervals';
export { LatestResultsStore, MAX_HISTORY_POINTS, type ExperimentEntry, type HistoryPoint, type StoreChange, type StoreListener } from './results-store';
export { ResultsFeed, type ResultsFeedOptions, type FeedLogger } from './feed';
export { createResultsViewMetrics, type ResultsViewMetrics } from './metrics';
export { experimentSummary, statusOf } from './views/experiment-summary';
export { experimentDetail, STATISTICS_NOT_AVAILABLE, type DetailOptions } from './views/experiment-detail';
export { alertFor, isDecision, facetsOf, statusSnapshot, type AlertKind, type StatusChange, type StatusFacets, type StatusSnapshot } from './status/status-change';
export { decisionRecord, type DecisionRecord } from './status/decision';
export { statusKeys, type StatusKeys } from './status/keys';
export { StatusOutbox, OUTBOX_MAX_LENGTH, parseOutboxEntry, type AdvanceOutcome } from './status/status-outbox';
export { OutboxConsumer, type OutboxConsumerOptions, type DeliveryOutcome, type OutboxLogger } from './status/outbox-consumer';
export { slackAlertHandler, decisionHandler } from './status/handlers';
export { slackMessage, escapeMrkdwn, type SlackMessage } from './slack/slack-message';
export { SlackWebhook, SLACK_RETRY_DEFAULTS, type SlackWebhookOptions } from './slack/slack-webhook';

import type { Producer } from 'kafkajs';
import type { ResultsViewMetrics } from '../metrics';
import { slackMessage } from '../slack/slack-message';
import type { SlackWebhook } from '../slack/slack-webhook';
import { decisionRecord } from './decision';
import { alertFor, isDecision, type StatusChange } from './status-change';

/** Posts the Slack alert a change calls for (if any), with a link to the experiment's dashboard page. */
export function slackAlertHandler(options: { webhook: SlackWebhook; dashboardUrl: (experimentId: string) => string; metrics?: ResultsViewMetrics }) {
  return async (change: StatusChange, signal: AbortSignal): Promise<void> => {
    const kind = alertFor(change);
    if (!kind) return;
    await options.webhook.post(slackMessage(kind, change.snapshot, options.dashboardUrl(change.experimentId)), signal);
    options.metrics?.slackMessages.inc({ kind });
  };
}

/** Produces a decision record (key = experiment id, JSON) when a change is one. */
export function decisionHandler(options: { producer: Producer; topic: string; metrics?: ResultsViewMetrics }) {
  return async (change: StatusChange): Promise<void> => {
    if (!isDecision(change)) return;
    const record = decisionRecord(change);
    await options.producer.send({ topic: options.topic, acks: -1, messages: [{ key: change.experimentId, value: JSON.stringify(record), headers: { 'content-type': 'application/json' } }] });
    options.metrics?.decisions.inc({ status: record.status });
  };
}

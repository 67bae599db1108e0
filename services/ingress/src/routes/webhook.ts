import { MAX_EVENT_BYTES } from '@abtest/segment';
import { BadRequestError, PayloadTooLargeError } from '../errors';
import type { RequestAuthenticator } from '../http/authenticate';
import type { EventIngestor } from '../ingest';
import type { EventRoute } from './event-route';

export interface WebhookRouteDependencies {
  authenticator: RequestAuthenticator;
  ingestor: EventIngestor;
  /** The default topic, and the others `?topic=NAME` may choose. */
  topics: { events: string; extra: readonly string[] };
  limits: { maxEvents: number; maxBodyBytes: number };
}

/**
 * `POST /v1/webhook[?topic=NAME]`: what Segment's Webhooks destinations send,
 * one message (classic, or Actions without batching) or an array of them
 * (Actions with batching).
 */
export function webhookRoute(deps: WebhookRouteDependencies): EventRoute {
  const allowed = new Set([deps.topics.events, ...deps.topics.extra]);
  return {
    path: '/v1/webhook',
    limit: deps.limits.maxBodyBytes,
    limitName: 'INGRESS_WEBHOOK_MAX_BODY_BYTES',
    handle: async ({ body, credentials, topic: topicParameter }) => {
      const source = await deps.authenticator.authenticate(credentials, body, Array.isArray(body.value) ? body.value.length : 1);
      const topic = chosenTopic(topicParameter, deps.topics.events);
      if (!allowed.has(topic)) throw new BadRequestError('unknown_topic', `topic ${topic} is not in the allow-list (INGRESS_EXTRA_TOPICS)`);
      const common = { source, topic, bodyBytes: body.bytes, bodyDepth: body.depth, path: '$' };
      if (!Array.isArray(body.value)) {
        if (body.bytes > MAX_EVENT_BYTES) throw new PayloadTooLargeError('the event', { name: 'MAX_EVENT_BYTES', value: MAX_EVENT_BYTES, unit: 'bytes' });
        return deps.ingestor.ingest({ ...common, messages: [body.value], single: true });
      }
      const events = body.value.length;
      if (events === 0) throw new BadRequestError('invalid_request', 'the batch is empty', { issues: [{ path: '$', reason: 'must contain at least one message' }] });
      if (events > deps.limits.maxEvents) {
        throw new PayloadTooLargeError(`the batch of ${events} events`, { name: 'INGRESS_WEBHOOK_MAX_EVENTS', value: deps.limits.maxEvents, unit: 'events' });
      }
      return deps.ingestor.ingest({ ...common, messages: body.value, single: false });
    },
  };
}

function chosenTopic(topic: unknown, fallback: string): string {
  if (topic === undefined) return fallback;
  if (typeof topic !== 'string' || topic.length === 0) throw new BadRequestError('unknown_topic', 'the topic query parameter must be given once, as a topic name');
  return topic;
}

import type { IRouter, Request } from 'express';
import { MAX_EVENT_BYTES } from '@abtest/segment';
import { BadRequestError, PayloadTooLargeError } from '../errors';
import type { RequestAuthenticator } from '../http/authenticate';
import { parseJsonBody, rawJsonBody } from '../http/body';
import { sendJson } from '../http/reply';
import type { EventIngestor } from '../ingest';

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
export function webhookRoutes(router: IRouter, deps: WebhookRouteDependencies): void {
  const allowed = new Set([deps.topics.events, ...deps.topics.extra]);
  router.post('/v1/webhook', rawJsonBody(deps.limits.maxBodyBytes, 'INGRESS_WEBHOOK_MAX_BODY_BYTES'), async (req, res) => {
    const body = parseJsonBody(req);
    const source = await deps.authenticator.authenticate(req, body);
    const topic = chosenTopic(req, deps.topics.events);
    if (!allowed.has(topic)) throw new BadRequestError('unknown_topic', `topic ${topic} is not in the allow-list (INGRESS_EXTRA_TOPICS)`);
    const common = { source, topic, bodyBytes: body.bytes, path: '$' };
    if (!Array.isArray(body.value)) {
      if (body.bytes > MAX_EVENT_BYTES) throw new PayloadTooLargeError('the event', { name: 'MAX_EVENT_BYTES', value: MAX_EVENT_BYTES, unit: 'bytes' });
      sendJson(res, 200, await deps.ingestor.ingest({ ...common, messages: [body.value], single: true }));
      return;
    }
    const events = body.value.length;
    if (events === 0) throw new BadRequestError('invalid_request', 'the batch is empty', { issues: [{ path: '$', reason: 'must contain at least one message' }] });
    if (events > deps.limits.maxEvents) {
      throw new PayloadTooLargeError(`the batch of ${events} events`, { name: 'INGRESS_WEBHOOK_MAX_EVENTS', value: deps.limits.maxEvents, unit: 'events' });
    }
    sendJson(res, 200, await deps.ingestor.ingest({ ...common, messages: body.value, single: false }));
  });
}

function chosenTopic(req: Request, fallback: string): string {
  const topic: unknown = req.query.topic;
  if (topic === undefined) return fallback;
  if (typeof topic !== 'string' || topic.length === 0) throw new BadRequestError('unknown_topic', 'the topic query parameter must be given once, as a topic name');
  return topic;
}

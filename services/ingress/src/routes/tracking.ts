import type { IRouter } from 'express';
import { MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_EVENT_BYTES, MESSAGE_TYPES, isJsonObject, parseBatchEnvelope } from '@abtest/segment';
import { BadRequestError, PayloadTooLargeError } from '../errors';
import type { RequestAuthenticator } from '../http/authenticate';
import { parseJsonBody, rawJsonBody } from '../http/body';
import { sendJson } from '../http/reply';
import type { EventIngestor } from '../ingest';

export interface TrackingRouteDependencies {
  authenticator: RequestAuthenticator;
  ingestor: EventIngestor;
  /** Topic of accepted events. */
  topic: string;
}

/**
 * Segment's HTTP Tracking API: `POST /v1/track|identify|page|screen|group|alias`
 * (one message, its type implied by the path) and `POST /v1/batch`, with
 * Segment's own limits, so Segment's libraries work unchanged.
 */
export function trackingRoutes(router: IRouter, deps: TrackingRouteDependencies): void {
  for (const type of MESSAGE_TYPES) {
    router.post(`/v1/${type}`, rawJsonBody(MAX_EVENT_BYTES, 'MAX_EVENT_BYTES'), async (req, res) => {
      const body = parseJsonBody(req);
      const source = await deps.authenticator.authenticate(req, body);
      if (!isJsonObject(body.value)) {
        throw new BadRequestError('invalid_request', 'the body must be one Segment message', { issues: [{ path: '$', reason: 'must be a JSON object' }] });
      }
      sendJson(res, 200, await deps.ingestor.ingest({ messages: [body.value], single: true, path: '$', source, topic: deps.topic, bodyBytes: body.bytes, expectedType: type }));
    });
  }

  router.post('/v1/batch', rawJsonBody(MAX_BATCH_BYTES, 'MAX_BATCH_BYTES'), async (req, res) => {
    const body = parseJsonBody(req);
    const source = await deps.authenticator.authenticate(req, body);
    const parsed = parseBatchEnvelope(body.value);
    if (!parsed.ok) throw new BadRequestError('invalid_request', 'the body must be {"batch": [messages], "context"?, "integrations"?}', { issues: parsed.issues });
    const { batch, defaults } = parsed.envelope;
    if (batch.length > MAX_BATCH_EVENTS) throw new PayloadTooLargeError(`the batch of ${batch.length} events`, { name: 'MAX_BATCH_EVENTS', value: MAX_BATCH_EVENTS, unit: 'events' });
    sendJson(res, 200, await deps.ingestor.ingest({ messages: batch, single: false, path: '$.batch', source, topic: deps.topic, bodyBytes: body.bytes, defaults }));
  });
}

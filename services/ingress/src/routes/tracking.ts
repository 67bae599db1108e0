import { MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_EVENT_BYTES, MAX_JSON_DEPTH, MESSAGE_TYPES, isJsonObject, parseBatchEnvelope, tooDeepPath } from '@abtest/segment';
import { BadRequestError, PayloadTooLargeError } from '../errors';
import type { RequestAuthenticator } from '../http/authenticate';
import type { EventIngestor } from '../ingest';
import type { EventRoute } from './event-route';

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
export function trackingRoutes(deps: TrackingRouteDependencies): EventRoute[] {
  const routes: EventRoute[] = MESSAGE_TYPES.map((type) => ({
    path: `/v1/${type}`,
    limit: MAX_EVENT_BYTES,
    limitName: 'MAX_EVENT_BYTES',
    handle: async ({ body, credentials }) => {
      const source = await deps.authenticator.authenticate(credentials, body, 1);
      if (!isJsonObject(body.value)) {
        throw new BadRequestError('invalid_request', 'the body must be one Segment message', { issues: [{ path: '$', reason: 'must be a JSON object' }] });
      }
      return deps.ingestor.ingest({ messages: [body.value], single: true, path: '$', source, topic: deps.topic, bodyBytes: body.bytes, bodyDepth: body.depth, expectedType: type });
    },
  }));

  routes.push({
    path: '/v1/batch',
    limit: MAX_BATCH_BYTES,
    limitName: 'MAX_BATCH_BYTES',
    handle: async ({ body, credentials }) => {
      const events = isJsonObject(body.value) && Array.isArray(body.value.batch) ? body.value.batch.length : 1;
      const source = await deps.authenticator.authenticate(credentials, body, events);
      const parsed = parseBatchEnvelope(body.value);
      if (!parsed.ok) throw new BadRequestError('invalid_request', 'the body must be {"batch": [messages], "context"?, "integrations"?}', { issues: parsed.issues });
      const { batch, defaults } = parsed.envelope;
      if (batch.length > MAX_BATCH_EVENTS) throw new PayloadTooLargeError(`the batch of ${batch.length} events`, { name: 'MAX_BATCH_EVENTS', value: MAX_BATCH_EVENTS, unit: 'events' });
      // The batch's context and integrations become part of every event: they are held to the events' depth limit.
      const deepPath = body.depth > MAX_JSON_DEPTH ? tooDeepPath({ context: defaults.context, integrations: defaults.integrations }, MAX_JSON_DEPTH) : undefined;
      if (deepPath !== undefined) throw new BadRequestError('invalid_request', `the batch's context or integrations nest too deep`, { issues: [{ path: deepPath, reason: `nests deeper than ${MAX_JSON_DEPTH} levels of objects and arrays (MAX_JSON_DEPTH)` }] });
      return deps.ingestor.ingest({ messages: batch, single: false, path: '$.batch', source, topic: deps.topic, bodyBytes: body.bytes, bodyDepth: body.depth, defaults });
    },
  });
  return routes;
}

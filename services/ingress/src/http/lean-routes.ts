import type { RequestListener, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { Request, RequestHandler, Response } from 'express';
import type { HttpMetrics } from '@abtest/observability';
import { replyWithError, type ErrorReplyOptions } from '../errors';
import { credentialsOf, type EventRequest, type EventRoute } from '../routes/event-route';
import type { IngestReply } from '../ingest';
import { parseJsonBody, readBody } from './body';
import { sendJson } from './reply';

/**
 * Content types the lean path takes as they are (both express and it accept
 * any `application/json` or `text/plain`; other spellings go to express).
 */
const LEAN_CONTENT_TYPES = new Set([
  'application/json',
  'application/json; charset=utf-8',
  'application/json;charset=utf-8',
  'application/json; charset=UTF-8',
  'application/json;charset=UTF-8',
  'text/plain',
  'text/plain; charset=utf-8',
  'text/plain;charset=utf-8',
  'text/plain; charset=UTF-8',
  'text/plain;charset=UTF-8',
]);

export interface LeanEventRoutesOptions {
  routes: readonly EventRoute[];
  /** Where every other request goes: the express app. */
  fallback: RequestListener;
  /** The service's HTTP metrics, shared with the express app's middleware. */
  metrics: HttpMetrics;
  /** GracefulShutdown's middleware (uses only Node's request and response). */
  drain?: RequestHandler;
  /** CORS is on: browser requests (with an Origin header) go to express, which answers with the CORS headers. */
  cors?: boolean;
  errors: ErrorReplyOptions;
}

/**
 * The event routes on Node's http module, in front of express: express'
 * router and middleware chain cost about as much CPU as the rest of a
 * single-event request. A request takes this path when it is a plain
 * `POST` to an event route's exact path (no trailing slash or other
 * spelling; a query string is parsed as express would), with a Content-Length within the route's limit, an ordinary JSON
 * or text/plain content type, no Content-Encoding and (with CORS on) no Origin; everything else
 * (including every refusal decided before the body is read) goes to express,
 * which serves the same routes with the same handlers. Both paths keep the
 * same answers, graceful-shutdown tracking and HTTP metrics.
 */
export function leanEventRoutes(options: LeanEventRoutesOptions): RequestListener {
  const routes = new Map(options.routes.map((route) => [route.path, route]));
  const { fallback, drain, errors, cors, metrics } = options;
  const noop = () => undefined;

  const fail = (res: ServerResponse, error: unknown, path: string) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    replyWithError(res, error, path, errors);
  };

  return (req, res) => {
    const url = req.url ?? '';
    // The query string as express' default ("simple") query parser sees it; a URL with a fragment is left to express.
    const queryAt = url.indexOf('?');
    const route = req.method === 'POST' && !url.includes('#') ? routes.get(queryAt === -1 ? url : url.slice(0, queryAt)) : undefined;
    const { headers } = req;
    const contentLength = headers['content-length'];
    const contentType = headers['content-type'];
    const encoding = headers['content-encoding'];
    const length = contentLength === undefined ? Number.NaN : Number(contentLength);
    if (
      route === undefined ||
      contentType === undefined ||
      !LEAN_CONTENT_TYPES.has(contentType) ||
      (encoding !== undefined && encoding !== 'identity') ||
      headers['transfer-encoding'] !== undefined ||
      (cors === true && headers.origin !== undefined) ||
      !Number.isSafeInteger(length) ||
      length < 0 ||
      length > route.limit
    ) {
      fallback(req, res);
      return;
    }
    drain?.(req as Request, res as Response, noop);
    metrics.track('POST', res, route.path, length);
    readBody(req, length, (error, raw) => {
      if (error !== undefined) return fail(res, error, route.path);
      let request: EventRequest;
      try {
        request = { body: parseJsonBody(raw), credentials: credentialsOf(headers), topic: queryAt === -1 ? undefined : parseQuery(url.slice(queryAt + 1)).topic };
      } catch (parseError) {
        return fail(res, parseError, route.path);
      }
      route
        .handle(request)
        .then((reply: IngestReply) => sendJson(res, 200, reply))
        .catch((handleError: unknown) => fail(res, handleError, route.path));
    });
  };
}

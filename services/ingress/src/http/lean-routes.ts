import type { RequestListener, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { Request, RequestHandler, Response } from 'express';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
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
  /** Registry holding the HTTP metrics of `@abtest/observability`'s httpMetrics (created before). */
  registry: Registry;
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
  const metrics = new LeanHttpMetrics(options.registry);
  const { fallback, drain, errors, cors } = options;
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
    metrics.started(route.path, res, length);
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

/** Children of a labelled metric, created once per label values. */
interface RouteMetrics {
  size: { observe(value: number): void };
  byStatus: Map<string, { requests: { inc(): void }; duration: { observe(value: number): void } }>;
}

/**
 * Records the HTTP metrics `@abtest/observability`'s httpMetrics middleware
 * records for express routes (same metrics, same labels), into the metrics
 * that middleware created, with the labelled children looked up once.
 */
class LeanHttpMetrics {
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route' | 'status'>;
  private readonly size: Histogram<'route'>;
  private readonly inFlight: Gauge;
  private readonly routes = new Map<string, RouteMetrics>();

  constructor(registry: Registry) {
    this.requests = metric(registry, 'http_requests_total', Counter);
    this.duration = metric(registry, 'http_request_duration_seconds', Histogram);
    this.size = metric(registry, 'http_request_size_bytes', Histogram);
    this.inFlight = metric(registry, 'http_requests_in_flight', Gauge);
  }

  /** Counts the request in flight until its response closes, then by status. */
  started(route: string, res: ServerResponse, bytes: number): void {
    const startedAt = performance.now();
    this.inFlight.inc();
    res.once('close', () => {
      this.inFlight.dec();
      const status = res.writableFinished ? String(res.statusCode) : 'aborted';
      const children = this.children(route, status);
      children.requests.inc();
      children.duration.observe((performance.now() - startedAt) / 1_000);
      if (bytes > 0) this.routeMetrics(route).size.observe(bytes);
    });
  }

  private routeMetrics(route: string): RouteMetrics {
    let found = this.routes.get(route);
    if (!found) {
      found = { size: this.size.labels({ route }), byStatus: new Map() };
      this.routes.set(route, found);
    }
    return found;
  }

  private children(route: string, status: string) {
    const { byStatus } = this.routeMetrics(route);
    let found = byStatus.get(status);
    if (!found) {
      const labels = { method: 'POST', route, status };
      found = { requests: this.requests.labels(labels), duration: this.duration.labels(labels) };
      byStatus.set(status, found);
    }
    return found;
  }
}

function metric<T>(registry: Registry, name: string, type: abstract new (...args: never[]) => T): T {
  const found = registry.getSingleMetric(name);
  if (!(found instanceof type)) throw new Error(`metric ${name} is not registered: create httpMetrics(registry) first`);
  return found;
}

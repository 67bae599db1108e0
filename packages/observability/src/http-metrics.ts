import type { ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** 100 B (a small event) to 16 MiB (a large webhook batch). */
const SIZE_BUCKETS = [100, 1_000, 10_000, 32_768, 100_000, 512_000, 1_048_576, 4_194_304, 16_777_216];

interface StatusChildren {
  requests: { inc(): void };
  duration: { observe(value: number): void };
}

/**
 * HTTP metrics of a service: requests by method, route and status, their
 * duration and body size, and the requests in flight. Routes are labelled by
 * their pattern (`/v1/:type`), never by the raw URL, to keep label values
 * bounded. One instance serves express (`middleware()`) and plain `node:http`
 * handlers (`track()`) alike; labelled children are looked up once per label
 * values, which matters on a hot path.
 */
export class HttpMetrics {
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route' | 'status'>;
  private readonly size: Histogram<'route'>;
  private readonly inFlight: Gauge;
  private readonly children = new Map<string, StatusChildren>();
  private readonly sizes = new Map<string, { observe(value: number): void }>();

  constructor(registry: Registry) {
    this.requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests answered, by method, route and status', labelNames: ['method', 'route', 'status'], registers: [registry] });
    this.duration = new Histogram({ name: 'http_request_duration_seconds', help: 'Time to answer an HTTP request', labelNames: ['method', 'route', 'status'], buckets: DURATION_BUCKETS, registers: [registry] });
    this.size = new Histogram({ name: 'http_request_size_bytes', help: 'Size of HTTP request bodies', labelNames: ['route'], buckets: SIZE_BUCKETS, registers: [registry] });
    this.inFlight = new Gauge({ name: 'http_requests_in_flight', help: 'HTTP requests being handled now', registers: [registry] });
  }

  /**
   * Counts a request in flight from now until its response closes, then by
   * status ('aborted' when the client went away first). `route` and `bytes`
   * are read at close: express knows the route only after routing.
   */
  track(method: string, res: ServerResponse, route: string | (() => string), bytes: number | (() => number)): void {
    const startedAt = performance.now();
    this.inFlight.inc();
    res.once('close', () => {
      this.inFlight.dec();
      const label = typeof route === 'string' ? route : route();
      const status = res.writableFinished ? String(res.statusCode) : 'aborted';
      const children = this.childrenOf(method, label, status);
      children.requests.inc();
      children.duration.observe((performance.now() - startedAt) / 1_000);
      const size = typeof bytes === 'number' ? bytes : bytes();
      if (size > 0) this.sizeOf(label).observe(size);
    });
  }

  /** The express middleware. */
  middleware(): RequestHandler {
    return (req, res, next) => {
      this.track(req.method, res, () => routeLabel(req), () => Number(req.headers['content-length'] ?? (Buffer.isBuffer(req.body) ? req.body.length : 0)));
      next();
    };
  }

  private childrenOf(method: string, route: string, status: string): StatusChildren {
    const key = `${method} ${route} ${status}`;
    let found = this.children.get(key);
    if (!found) {
      const labels = { method, route, status };
      found = { requests: this.requests.labels(labels), duration: this.duration.labels(labels) };
      this.children.set(key, found);
    }
    return found;
  }

  private sizeOf(route: string): { observe(value: number): void } {
    let found = this.sizes.get(route);
    if (!found) {
      found = this.size.labels({ route });
      this.sizes.set(route, found);
    }
    return found;
  }
}

/** Express middleware recording a service's HTTP metrics (see HttpMetrics). */
export function httpMetrics(registry: Registry): RequestHandler {
  return new HttpMetrics(registry).middleware();
}

function routeLabel(req: Request): string {
  const route: unknown = req.route;
  if (typeof route === 'object' && route !== null && 'path' in route && typeof route.path === 'string') return `${req.baseUrl}${route.path}`;
  return 'unmatched';
}

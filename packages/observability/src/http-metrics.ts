import type { Request, RequestHandler } from 'express';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** 100 B (a small event) to 16 MiB (a large webhook batch). */
const SIZE_BUCKETS = [100, 1_000, 10_000, 32_768, 100_000, 512_000, 1_048_576, 4_194_304, 16_777_216];

/**
 * Express middleware counting requests by route and status, their duration
 * and body size, and the requests in flight. Routes are labelled by their
 * pattern (`/v1/:type`), never by the raw URL, to keep label values bounded.
 */
export function httpMetrics(registry: Registry): RequestHandler {
  const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests answered, by method, route and status', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const duration = new Histogram({ name: 'http_request_duration_seconds', help: 'Time to answer an HTTP request', labelNames: ['method', 'route', 'status'], buckets: DURATION_BUCKETS, registers: [registry] });
  const size = new Histogram({ name: 'http_request_size_bytes', help: 'Size of HTTP request bodies', labelNames: ['route'], buckets: SIZE_BUCKETS, registers: [registry] });
  const inFlight = new Gauge({ name: 'http_requests_in_flight', help: 'HTTP requests being handled now', registers: [registry] });
  return (req, res, next) => {
    const startedAt = performance.now();
    inFlight.inc();
    res.once('close', () => {
      inFlight.dec();
      const route = routeLabel(req);
      const status = res.writableFinished ? String(res.statusCode) : 'aborted';
      requests.inc({ method: req.method, route, status });
      duration.observe({ method: req.method, route, status }, (performance.now() - startedAt) / 1_000);
      const bytes = Number(req.headers['content-length'] ?? (Buffer.isBuffer(req.body) ? req.body.length : 0));
      if (bytes > 0) size.observe({ route }, bytes);
    });
    next();
  };
}

function routeLabel(req: Request): string {
  const route: unknown = req.route;
  if (typeof route === 'object' && route !== null && 'path' in route && typeof route.path === 'string') return `${req.baseUrl}${route.path}`;
  return 'unmatched';
}

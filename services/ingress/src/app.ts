import type { RequestListener } from 'node:http';
import cors from 'cors';
import express, { type IRouter, type RequestHandler } from 'express';
import type { Cluster, Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { HttpMetrics, healthRouter, type Logger, type Readiness } from '@abtest/observability';
import type { IngressConfig } from './config';
import { HttpError, errorHandler, type ErrorReplyOptions } from './errors';
import { RequestAuthenticator } from './http/authenticate';
import { parseJsonBody, rawJsonBody } from './http/body';
import { leanEventRoutes } from './http/lean-routes';
import { SourceRateLimiter } from './http/rate-limit';
import { sendJson } from './http/reply';
import { EventIngestor, type EventSink } from './ingest';
import { IngressMetrics } from './metrics';
import { credentialsOf, type EventRoute } from './routes/event-route';
import { trackingRoutes } from './routes/tracking';
import { webhookRoute } from './routes/webhook';

export interface AppDependencies {
  config: Pick<IngressConfig, 'sources' | 'acceptFirstEventSignature' | 'topics' | 'webhook' | 'retryAfterSeconds' | 'corsOrigins'>;
  /** Resolves once Kafka acknowledged the records. */
  sink: EventSink;
  readiness: Readiness;
  registry: Registry;
  /** Registries kept elsewhere (the producer thread's), merged into /metrics. */
  extraRegistries?: () => Promise<Registry[]>;
  logger: Logger;
  /** GracefulShutdown's middleware: tracks requests in flight. */
  drain?: RequestHandler;
  /** Where the sources' rate-limit counters are shared between instances; per instance without. */
  rateLimitStore?: Redis | Cluster;
  clock?: () => Date;
}

/** Headers a browser may send with an event (analytics.js, or a team's own fetch). */
const CORS_ALLOWED_HEADERS = ['Content-Type', 'Authorization', 'X-Signature', 'Content-Encoding'];
/** How long a browser may cache a preflight answer. */
const CORS_MAX_AGE_SECONDS = 86_400;

/**
 * The ingress' request listener (for `http.createServer`); everything it uses
 * is passed in. The event routes' plain requests are served on Node's http
 * module (see leanEventRoutes), everything else by an express app.
 */
export function createApp(deps: AppDependencies): RequestListener {
  const { config } = deps;
  const metrics = new IngressMetrics(deps.registry);
  const rateLimiter = new SourceRateLimiter(config.sources, deps.rateLimitStore);
  const authenticator = new RequestAuthenticator(config.sources, { acceptFirstEventSignature: config.acceptFirstEventSignature }, metrics, rateLimiter);
  const ingestor = new EventIngestor({ sink: deps.sink, deadLetterTopic: config.topics.deadLetter, metrics, ...(deps.clock ? { clock: deps.clock } : {}) });
  const errors: ErrorReplyOptions = { logger: deps.logger, retryAfterSeconds: config.retryAfterSeconds, onError: (error) => metrics.requestError(error.code) };
  const routes = [...trackingRoutes({ authenticator, ingestor, topic: config.topics.events }), webhookRoute({ authenticator, ingestor, topics: config.topics, limits: config.webhook })];

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (deps.drain) app.use(deps.drain);
  const httpMetrics = new HttpMetrics(deps.registry);
  app.use(httpMetrics.middleware());
  if (config.corsOrigins.length > 0) {
    const origin = config.corsOrigins.includes('*') ? '*' : config.corsOrigins;
    app.use(cors({ origin, methods: ['POST'], allowedHeaders: CORS_ALLOWED_HEADERS, maxAge: CORS_MAX_AGE_SECONDS }));
  }
  // Event routes first and on the app itself: they are the hot path, and express tries routes in order.
  mountEventRoutes(app, routes);
  app.use(healthRouter({ readiness: deps.readiness, registry: deps.registry, ...(deps.extraRegistries ? { extraRegistries: deps.extraRegistries } : {}) }));
  app.use((req, _res, next) => next(new HttpError(404, 'not_found', `no route for ${req.method} ${req.path}`)));
  app.use(errorHandler(errors));

  return leanEventRoutes({ routes, fallback: app, metrics: httpMetrics, errors, cors: config.corsOrigins.length > 0, ...(deps.drain ? { drain: deps.drain } : {}) });
}

/** The event routes on express, for the requests the lean path leaves to it. */
function mountEventRoutes(router: IRouter, routes: readonly EventRoute[]): void {
  for (const route of routes) {
    router.post(route.path, rawJsonBody(route.limit, route.limitName), async (req, res) => {
      const body = parseJsonBody(req.body);
      sendJson(res, 200, await route.handle({ body, credentials: credentialsOf(req.headers), topic: req.query.topic }));
    });
  }
}

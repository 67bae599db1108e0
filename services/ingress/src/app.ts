import express, { type Express, type RequestHandler } from 'express';
import type { Registry } from 'prom-client';
import { healthRouter, httpMetrics, type Logger, type Readiness } from '@abtest/observability';
import type { IngressConfig } from './config';
import { HttpError, errorHandler } from './errors';
import { RequestAuthenticator } from './http/authenticate';
import { EventIngestor, type EventSink } from './ingest';
import { IngressMetrics } from './metrics';
import { trackingRoutes } from './routes/tracking';
import { webhookRoutes } from './routes/webhook';

export interface AppDependencies {
  config: Pick<IngressConfig, 'sources' | 'acceptFirstEventSignature' | 'topics' | 'webhook' | 'retryAfterSeconds'>;
  /** Resolves once Kafka acknowledged the records. */
  sink: EventSink;
  readiness: Readiness;
  registry: Registry;
  /** Registries kept elsewhere (the producer thread's), merged into /metrics. */
  extraRegistries?: () => Promise<Registry[]>;
  logger: Logger;
  /** GracefulShutdown's middleware: tracks requests in flight. */
  drain?: RequestHandler;
  clock?: () => Date;
}

/** The ingress HTTP app; everything it uses is passed in. */
export function createApp(deps: AppDependencies): Express {
  const { config } = deps;
  const metrics = new IngressMetrics(deps.registry);
  const authenticator = new RequestAuthenticator(config.sources, { acceptFirstEventSignature: config.acceptFirstEventSignature }, metrics);
  const ingestor = new EventIngestor({ sink: deps.sink, deadLetterTopic: config.topics.deadLetter, metrics, ...(deps.clock ? { clock: deps.clock } : {}) });

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (deps.drain) app.use(deps.drain);
  app.use(httpMetrics(deps.registry));
  // Event routes first and on the app itself: they are the hot path, and express tries routes in order.
  trackingRoutes(app, { authenticator, ingestor, topic: config.topics.events });
  webhookRoutes(app, { authenticator, ingestor, topics: config.topics, limits: config.webhook });
  app.use(healthRouter({ readiness: deps.readiness, registry: deps.registry, ...(deps.extraRegistries ? { extraRegistries: deps.extraRegistries } : {}) }));
  app.use((req, _res, next) => next(new HttpError(404, 'not_found', `no route for ${req.method} ${req.path}`)));
  app.use(errorHandler({ logger: deps.logger, retryAfterSeconds: config.retryAfterSeconds, onError: (error) => metrics.requestError(error.code) }));
  return app;
}

import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { Registry } from 'prom-client';
import { errorBody, healthRouter, httpMetrics, type Logger, type Readiness } from '@abtest/observability';
import type { LatestResultsStore } from '@abtest/results-view';
import type { LiveUpdates } from './live-updates';
import { openApiDocument } from './openapi';
import { apiRouter } from './routes/api';
import { dashboardRouter } from './routes/dashboard';

export interface AppOptions {
  store: LatestResultsStore;
  live: LiveUpdates;
  readiness: Readiness;
  registry: Registry;
  logger: Logger;
  /** GracefulShutdown's middleware: tracks requests in flight. */
  shutdownMiddleware?: RequestHandler;
  version: string;
}

export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  if (options.shutdownMiddleware) app.use(options.shutdownMiddleware);
  app.use(httpMetrics(options.registry));
  app.use(healthRouter({ readiness: options.readiness, registry: options.registry }));
  app.use(apiRouter({ store: options.store, live: options.live, openApi: openApiDocument(options.version) }));
  app.use(dashboardRouter());
  app.use((req, res) => {
    res.status(404).json(errorBody('not_found', `no route for ${req.method} ${req.path}: see GET /openapi.json`));
  });
  const onError: ErrorRequestHandler = (error: unknown, req, res, _next) => {
    options.logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    if (res.headersSent) return void res.end();
    res.status(500).json(errorBody('internal_error', 'the results service failed to answer; see its logs'));
  };
  app.use(onError);
  return app;
}

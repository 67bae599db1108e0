import express, { type Express } from 'express';
import type { DefinitionsCatalog, DefinitionsWriter } from '@abtest/definitions';
import { queryExperiment } from '@abtest/experiments';
import { errorBody, healthRouter, httpMetrics, type Readiness } from '@abtest/observability';
import type { KafkaStreams } from '@abtest/streams';
import type { Registry } from 'prom-client';
import { definitionsAdminRouter } from './admin-router';

export interface AppOptions {
  streams: KafkaStreams;
  readiness: Readiness;
  registry: Registry;
  definitions: DefinitionsCatalog;
  /** The definitions admin API, when a token is configured. */
  admin?: { writer: DefinitionsWriter; token: string };
}

export function createApp(options: AppOptions): Express {
  const { streams, definitions } = options;
  const app = express();
  app.use(httpMetrics(options.registry));
  app.use(healthRouter({ readiness: options.readiness, registry: options.registry }));
  if (options.admin) app.use(definitionsAdminRouter({ writer: options.admin.writer, catalog: definitions, token: options.admin.token }));
  /** The current results of one experiment with its breakdowns and series, read from the state stores (interactive queries). */
  app.get('/experiments/:id', async (req, res) => {
    const id = req.params.id;
    if (streams.currentState === 'CREATED') {
      res.status(503).set('Retry-After', '1').json(errorBody('starting', 'the processor has not joined its consumer group yet; retry shortly'));
      return;
    }
    const results = await queryExperiment(streams, definitions, id);
    if (!results) {
      res.status(404).json(errorBody('not_found', `no results for experiment "${id}" yet: no exposure or click event has been processed for it`));
      return;
    }
    res.json(results);
  });
  return app;
}

import express, { type Express } from 'express';
import type { DefinitionsCatalog, DefinitionsWriter } from '@abtest/definitions';
import { queryExperiment, type Publication } from '@abtest/experiments';
import type { GenerationController } from '@abtest/generations';
import { errorBody, healthRouter, httpMetrics, type Readiness } from '@abtest/observability';
import type { KafkaStreams } from '@abtest/streams';
import type { Registry } from 'prom-client';
import { definitionsAdminRouter } from './admin-router';

/** The generation whose results are published: its runtime and how it publishes. */
export interface LiveGeneration {
  streams: KafkaStreams;
  publication: Publication;
}

export interface AppOptions {
  /** Undefined for a moment while a rebuild takes over. */
  live(): LiveGeneration | undefined;
  generations(): ReturnType<GenerationController<KafkaStreams>['status']>;
  readiness: Readiness;
  registry: Registry;
  definitions: DefinitionsCatalog;
  /** The definitions admin API, when a token is configured. */
  admin?: { writer: DefinitionsWriter; token: string };
}

export function createApp(options: AppOptions): Express {
  const { definitions } = options;
  const app = express();
  app.use(httpMetrics(options.registry));
  app.use(healthRouter({ readiness: options.readiness, registry: options.registry }));
  if (options.admin) app.use(definitionsAdminRouter({ writer: options.admin.writer, catalog: definitions, token: options.admin.token }));
  /** The current results of one experiment with its breakdowns and series, read from the state stores (interactive queries). */
  app.get('/experiments/:id', async (req, res) => {
    const id = req.params.id;
    const live = options.live();
    if (!live || live.streams.currentState === 'CREATED') {
      res.status(503).set('Retry-After', '1').json(errorBody('starting', live ? 'the processor has not joined its consumer group yet; retry shortly' : 'a rebuilt state generation is taking over; retry shortly'));
      return;
    }
    const results = await queryExperiment(live.streams, definitions, id, { publication: live.publication });
    if (!results) {
      res.status(404).json(errorBody('not_found', `no results for experiment "${id}" yet: no exposure or click event has been processed for it`));
      return;
    }
    res.json(results);
  });
  /** The live state generation and the rebuild under way (a backfill or a reprocess), with its progress. */
  app.get('/generations', (_req, res) => {
    const status = options.generations();
    if (status.live === null) res.status(503).set('Retry-After', '1').json(errorBody('starting', 'the processor has not read the generations record yet; retry shortly'));
    else res.json(status);
  });
  return app;
}

import express, { type Express } from 'express';
import type { DefinitionsCatalog, DefinitionsWriter } from '@abtest/definitions';
import {
  BREAKDOWNS_STORE,
  breakdownKey,
  entriesOf,
  metricIdsOf,
  RESULTS_STORE,
  SERIES_STORE,
  seriesKey,
  toBreakdown,
  toResults,
  toSeries,
  type CellDelta,
  type CellsState,
  type ExperimentState,
  type SeriesCellDelta,
} from '@abtest/experiments';
import { healthRouter, httpMetrics, type Readiness } from '@abtest/observability';
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
      res.status(503).set('Retry-After', '1').json({ error: 'starting', message: 'the processor has not joined its consumer group yet; retry shortly' });
      return;
    }
    const state = await streams.query<ExperimentState>(RESULTS_STORE, id);
    if (!state) {
      res.status(404).json({ error: 'not_found', message: `no results for experiment "${id}" yet: no exposure or click event has been processed for it` });
      return;
    }
    const entries = entriesOf(state);
    const metrics = metricIdsOf(state, definitions);
    const now = Date.now();
    // Breakdown and series entries live in the experiment's partition: queried with the experiment id as partition key.
    const [breakdownCells, seriesCells] = await Promise.all([
      streams.queryAll<CellsState<CellDelta>>(BREAKDOWNS_STORE, entries.breakdowns.map(({ dimension, value }) => breakdownKey(id, dimension, value)), id),
      streams.queryAll<CellsState<SeriesCellDelta>>(SERIES_STORE, entries.series.map(({ granularity, start }) => seriesKey(id, granularity, start)), id),
    ]);
    res.json({
      ...toResults(state, definitions),
      breakdowns: entries.breakdowns.flatMap(({ dimension, value }, i) => {
        const cells = breakdownCells[i];
        return cells ? [toBreakdown(id, dimension, value, cells, metrics, now)] : [];
      }),
      series: entries.series.flatMap(({ granularity, start }, i) => {
        const cells = seriesCells[i];
        return cells ? [toSeries(id, granularity, start, cells, now)] : [];
      }),
    });
  });
  return app;
}

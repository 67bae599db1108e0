import express, { type Express } from 'express';
import type { ExperimentState } from '@abtest/experiments';
import { RESULTS_STORE, toResults } from '@abtest/experiments';
import { healthRouter, httpMetrics, type Readiness } from '@abtest/observability';
import type { KafkaStreams } from '@abtest/streams';
import type { Registry } from 'prom-client';

export function createApp(options: { streams: KafkaStreams; readiness: Readiness; registry: Registry }): Express {
  const app = express();
  app.use(httpMetrics(options.registry));
  app.use(healthRouter({ readiness: options.readiness, registry: options.registry }));
  /** The current results of one experiment, read from the state store (an interactive query). */
  app.get('/experiments/:id', async (req, res) => {
    const id = req.params.id;
    if (options.streams.currentState === 'CREATED') {
      res.status(503).set('Retry-After', '1').json({ error: 'starting', message: 'the processor has not joined its consumer group yet; retry shortly' });
      return;
    }
    const state = await options.streams.query<ExperimentState>(RESULTS_STORE, id);
    if (!state) {
      res.status(404).json({ error: 'not_found', message: `no results for experiment "${id}" yet: no exposure or click event has been processed for it` });
      return;
    }
    res.json(toResults(state));
  });
  return app;
}

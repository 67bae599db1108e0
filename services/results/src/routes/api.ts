import { Router } from 'express';
import { errorBody } from '@abtest/observability';
import { experimentDetail, experimentSummary, type LatestResultsStore } from '@abtest/results-view';
import type { LiveUpdates } from '../live-updates';

export interface ApiRouterOptions {
  store: LatestResultsStore;
  live: LiveUpdates;
  openApi: Record<string, unknown>;
  now?: () => number;
}

/** The JSON API and its OpenAPI document. */
export function apiRouter(options: ApiRouterOptions): Router {
  const now = options.now ?? Date.now;
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(options.openApi);
  });
  router.get('/api/experiments', (_req, res) => {
    const at = now();
    res.json({ generated_at: at, experiments: options.store.list().map((entry) => experimentSummary(entry.results, at)) });
  });
  router.get('/api/experiments/:experimentId', (req, res) => {
    const entry = options.store.get(req.params.experimentId);
    if (!entry?.results) {
      res.status(404).json(errorBody('not_found', `no results record for experiment "${req.params.experimentId}": it has no exposures yet, or the id is wrong (GET /api/experiments lists them)`));
      return;
    }
    const metric = typeof req.query.metric === 'string' ? req.query.metric : undefined;
    res.json(experimentDetail({ ...entry, results: entry.results }, { metric, now: now() }));
  });
  router.get('/api/events', options.live.handler);
  return router;
}

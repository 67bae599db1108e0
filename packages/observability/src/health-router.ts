import { Router } from 'express';
import type { Registry } from 'prom-client';
import type { Readiness } from './readiness';

export interface HealthRouterOptions {
  readiness: Readiness;
  registry: Registry;
}

/**
 * `GET /healthz`: the process is alive (200 while it can answer).
 * `GET /readyz`: 200 when every readiness check passes and no shutdown
 * began, else 503; the body names each check.
 * `GET /metrics`: the registry in Prometheus text format.
 */
export function healthRouter(options: HealthRouterOptions): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const report = await options.readiness.report();
    res.status(report.ready ? 200 : 503).json(report);
  });
  router.get('/metrics', async (_req, res) => {
    res.type(options.registry.contentType).send(await options.registry.metrics());
  });
  return router;
}

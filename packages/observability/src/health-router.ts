import { Router } from 'express';
import type { Registry } from 'prom-client';
import type { Readiness } from './readiness';

export interface HealthRouterOptions {
  readiness: Readiness;
  registry: Registry;
  /** Registries kept elsewhere (e.g. a worker thread's), merged into /metrics on each scrape. */
  extraRegistries?: () => Promise<Registry[]>;
}

/**
 * `GET /healthz`: the process is alive (200 while it can answer).
 * `GET /readyz`: 200 when every readiness check passes and no shutdown
 * began, else 503; the body names each check.
 * `GET /metrics`: the registry (and any extra ones) in Prometheus text format.
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
    // Concatenated, not merged: Registry.merge would drop each registry's default labels.
    const registries = [options.registry, ...((await options.extraRegistries?.()) ?? [])];
    const texts = await Promise.all(registries.map((registry) => registry.metrics()));
    res.type(options.registry.contentType).send(texts.join('\n'));
  });
  return router;
}

import { Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricsRegistryOptions {
  /** Labels on every metric, e.g. `{ service: 'ingress' }`. */
  defaultLabels?: Record<string, string>;
  /** Node process metrics (event loop lag, heap, GC, CPU); on by default. */
  collectDefaultMetrics?: boolean;
}

/**
 * A registry of the service's own (never prom-client's global one, so tests
 * and several apps in one process do not collide), with Node's default
 * metrics.
 */
export function createMetricsRegistry(options: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  if (options.defaultLabels) registry.setDefaultLabels(options.defaultLabels);
  if (options.collectDefaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

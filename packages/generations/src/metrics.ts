import { Gauge, type Registry } from 'prom-client';
import type { RebuildProgress } from './progress';

/** The rebuild's progress and the live generation, as Prometheus gauges (0 when no rebuild runs). */
export function createGenerationMetrics(registry: Registry | undefined) {
  const registers = registry ? [registry] : [];
  const gauge = (name: string, help: string) => new Gauge({ name, help, registers });
  const metrics = {
    live: gauge('state_generation_live', 'The state generation whose results are published'),
    rebuilding: gauge('backfill_generation', 'The state generation being rebuilt from the raw events topic; 0 when none'),
    read: gauge('backfill_events_read', 'Raw events the rebuild has read'),
    total: gauge('backfill_events_total', 'Raw events the rebuild must read to catch up (grows with live traffic)'),
    progress: gauge('backfill_progress_ratio', 'events_read / events_total of the rebuild'),
    eta: gauge('backfill_eta_seconds', 'Time the rebuild needs to catch up at its recent rate; -1 while unknown'),
  };
  return {
    show(live: number, rebuild: RebuildProgress | null): void {
      metrics.live.set(live);
      metrics.rebuilding.set(rebuild?.generation ?? 0);
      metrics.read.set(rebuild?.events_read ?? 0);
      metrics.total.set(rebuild?.events_total ?? 0);
      metrics.progress.set(rebuild?.progress ?? 0);
      metrics.eta.set(rebuild ? (rebuild.eta_seconds ?? -1) : 0);
    },
  };
}

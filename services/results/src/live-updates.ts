import type { Request, Response } from 'express';
import type { Gauge } from 'prom-client';
import { experimentSummary, type LatestResultsStore, type StoreChange } from '@abtest/results-view';

/** Changes are sent at most this often: a replay or a burst of records becomes one event per experiment. */
export const FLUSH_INTERVAL_MS = 100;
/** A comment line this often keeps idle connections open through proxies. */
export const HEARTBEAT_MS = 15_000;
/** A client whose unsent data exceeds this is disconnected (it reconnects and reloads) instead of buffering without bound. */
const MAX_BUFFERED_BYTES = 1_048_576;
/** What EventSource waits before reconnecting. */
const RECONNECT_MS = 2_000;

/**
 * Server-sent events of store changes (`GET /api/events`): `results` with
 * the experiment's new summary, `breakdown`, `series` and `deleted` with
 * its id. The dashboard reloads what it shows when one concerns it.
 */
export class LiveUpdates {
  private readonly clients = new Set<Response>();
  private readonly pending = new Map<string, StoreChange>();
  private readonly flushTimer: NodeJS.Timeout;
  private readonly heartbeatTimer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;

  constructor(
    store: LatestResultsStore,
    private readonly gauge?: Gauge,
  ) {
    this.unsubscribe = store.subscribe((change) => this.pending.set(`${change.kind}|${change.experimentId}`, change));
    this.flushTimer = setInterval(() => this.flush(), FLUSH_INTERVAL_MS);
    this.heartbeatTimer = setInterval(() => this.writeAll(': heartbeat\n\n'), HEARTBEAT_MS);
    this.flushTimer.unref();
    this.heartbeatTimer.unref();
  }

  readonly handler = (req: Request, res: Response): void => {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(`retry: ${RECONNECT_MS}\nevent: ready\ndata: {}\n\n`);
    this.clients.add(res);
    this.gauge?.set(this.clients.size);
    req.once('close', () => {
      this.clients.delete(res);
      this.gauge?.set(this.clients.size);
    });
  };

  get connections(): number {
    return this.clients.size;
  }

  /** Ends every stream (at shutdown, before the server waits for requests in flight). */
  close(): void {
    clearInterval(this.flushTimer);
    clearInterval(this.heartbeatTimer);
    this.unsubscribe();
    for (const res of this.clients) res.end();
    this.clients.clear();
    this.gauge?.set(0);
  }

  private flush(): void {
    if (this.pending.size === 0) return;
    const changes = [...this.pending.values()];
    this.pending.clear();
    if (this.clients.size === 0) return;
    const now = Date.now();
    const events = changes.map((change) => {
      const data = change.kind === 'results' ? { experiment_id: change.experimentId, summary: experimentSummary(change.record, now) } : { experiment_id: change.experimentId };
      return `event: ${change.kind}\ndata: ${JSON.stringify(data)}\n\n`;
    });
    this.writeAll(events.join(''));
  }

  private writeAll(text: string): void {
    for (const res of this.clients) {
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        res.end();
        this.clients.delete(res);
        continue;
      }
      res.write(text);
    }
  }
}

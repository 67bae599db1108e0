import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Counter } from 'prom-client';
import { Agent, request } from 'undici';
import { healthRouter } from './health-router';
import { httpMetrics } from './http-metrics';
import { createLogger } from './logger';
import { createMetricsRegistry } from './metrics';
import { Readiness } from './readiness';
import { GracefulShutdown } from './shutdown';

async function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('healthRouter and httpMetrics', () => {
  it('should serve health, readiness and metrics, counting requests by route pattern', async () => {
    const registry = createMetricsRegistry({ defaultLabels: { service: 'test' } });
    const readiness = new Readiness().register('always', () => true);
    const app = express();
    app.use(httpMetrics(registry));
    app.use(healthRouter({ readiness, registry }));
    app.get('/items/:id', (_req, res) => void res.json({}));
    const { server, url } = await listen(app);
    try {
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      await fetch(`${url}/items/1`);
      await fetch(`${url}/items/2`);
      await fetch(`${url}/nowhere`);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain('http_requests_total{method="GET",route="/items/:id",status="200",service="test"} 2');
      expect(metrics).toContain('http_requests_total{method="GET",route="unmatched",status="404",service="test"} 1');
      expect(metrics).toContain('http_requests_in_flight{service="test"} 1');
      expect(metrics).toContain('nodejs_eventloop_lag_seconds');
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });
});

describe('GracefulShutdown', () => {
  it('should fail readiness first, finish requests in flight, refuse new connections, run the steps in order and exit 0', async () => {
    const readiness = new Readiness();
    const exit = jest.fn();
    const shutdown = new GracefulShutdown({ readiness, logger: createLogger({ name: 'test', level: 'silent' }), exit });
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let entered: () => void = () => undefined;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const app = express();
    app.use(shutdown.middleware());
    app.get('/slow', async (_req, res) => {
      entered();
      await released;
      res.json({ done: true });
    });
    const { server, url } = await listen(app);
    const order: string[] = [];
    shutdown.install({
      server,
      signals: [],
      steps: [
        { name: 'flush', run: async () => void order.push('flush') },
        { name: 'disconnect', run: async () => void order.push('disconnect') },
      ],
    });
    const agent = new Agent({ keepAliveTimeout: 10_000 });
    try {
      const slow = request(`${url}/slow`, { dispatcher: agent });
      await inside;
      const done = shutdown.shutdown('test');
      expect(readiness.isShuttingDown).toBe(true);
      expect(shutdown.inFlight).toBe(1);
      await expect(fetch(`${url}/slow`)).rejects.toThrow();
      expect(order).toEqual([]);
      release();
      const response = await slow;
      expect(response.statusCode).toBe(200);
      expect(response.headers.connection).toBe('close');
      expect(await response.body.json()).toEqual({ done: true });
      await done;
      expect(order).toEqual(['flush', 'disconnect']);
      expect(exit).toHaveBeenCalledWith(0);
      expect(server.listening).toBe(false);
    } finally {
      await agent.close();
      server.closeAllConnections();
    }
  });

  it('should exit 1 when a step fails', async () => {
    const exit = jest.fn();
    const shutdown = new GracefulShutdown({ readiness: new Readiness(), logger: createLogger({ name: 'test', level: 'silent' }), exit });
    const { server } = await listen(express());
    shutdown.install({ server, signals: [], steps: [{ name: 'broken', run: () => Promise.reject(new Error('flush failed')) }] });
    await shutdown.shutdown('test');
    expect(exit).toHaveBeenCalledWith(1);
  });
});

describe('GracefulShutdown > deadline', () => {
  it('should exit 1 with a log line when a step never finishes (a hung client must not outlive the grace period)', async () => {
    const lines: string[] = [];
    const logger = createLogger({ name: 'test', destination: { write: (line: string) => void lines.push(line) } });
    const exit = jest.fn();
    const shutdown = new GracefulShutdown({ readiness: new Readiness(), logger, exit, timeoutMs: 50 });
    const { server } = await listen(express());
    shutdown.install({ server, signals: [], steps: [{ name: 'hung', run: () => new Promise<void>(() => undefined) }] });
    void shutdown.shutdown('SIGTERM');
    const deadline = Date.now() + 5_000;
    while (exit.mock.calls.length === 0 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    expect(exit).toHaveBeenCalledWith(1);
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toContain('shutdown did not finish in time; exiting with code 1');
  });
});

describe('healthRouter > extra registries', () => {
  it('should serve the metrics of other registries too, each with its own default labels', async () => {
    const registry = createMetricsRegistry({ defaultLabels: { service: 'main' }, collectDefaultMetrics: false });
    const other = createMetricsRegistry({ defaultLabels: { service: 'thread' }, collectDefaultMetrics: false });
    new Counter({ name: 'main_total', help: 'main', registers: [registry] }).inc();
    new Counter({ name: 'thread_total', help: 'thread', registers: [other] }).inc(2);
    const app = express();
    app.use(healthRouter({ readiness: new Readiness(), registry, extraRegistries: async () => [other] }));
    const { server, url } = await listen(app);
    try {
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain('main_total{service="main"} 1');
      expect(metrics).toContain('thread_total{service="thread"} 2');
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });
});

import type { Server } from 'node:http';
import type { RequestHandler, Response } from 'express';
import type { Logger } from './logger';
import type { Readiness } from './readiness';

/** One thing to stop after the server closed, e.g. flushing a producer. */
export interface ShutdownStep {
  name: string;
  run(): Promise<void>;
}

export interface GracefulShutdownOptions {
  readiness: Readiness;
  logger: Logger;
  /** Time between readiness failing and the server closing, for load balancers to notice. */
  drainDelayMs?: number;
  /** Everything must be done within this time, or the process exits with code 1. */
  timeoutMs?: number;
  /** Ends the process; tests replace it. */
  exit?: (code: number) => void;
}

export interface InstallOptions {
  server: Server;
  /** Run in order once no request is in flight. */
  steps: ShutdownStep[];
  signals?: NodeJS.Signals[];
}

export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000;

/**
 * SIGTERM/SIGINT → readiness fails → (drain delay) → the server stops
 * accepting connections, requests in flight finish (each answered with
 * `Connection: close`, idle keep-alive connections closed) → each step runs
 * (flush the producer, disconnect clients) → exit 0. Past the timeout:
 * exit 1. A second signal changes nothing: the first shutdown goes on.
 */
export class GracefulShutdown {
  private readonly active = new Set<Response>();
  private closing = false;
  private server: Server | undefined;
  private steps: ShutdownStep[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly options: GracefulShutdownOptions) {}

  /** Must run before the routes: tracks requests in flight and closes their connections once closing. */
  middleware(): RequestHandler {
    return (_req, res, next) => {
      if (this.closing) res.setHeader('Connection', 'close');
      this.active.add(res);
      res.once('close', () => {
        this.active.delete(res);
        if (this.closing) this.server?.closeIdleConnections();
      });
      next();
    };
  }

  install(options: InstallOptions): this {
    this.server = options.server;
    this.steps = options.steps;
    for (const signal of options.signals ?? ['SIGTERM', 'SIGINT']) {
      process.once(signal, () => void this.shutdown(signal));
    }
    return this;
  }

  get inFlight(): number {
    return this.active.size;
  }

  /**
   * Starts the shutdown (once); resolves when it is done, just before exit.
   * `exitCode` 1 marks a shutdown forced by a failure (still graceful).
   */
  shutdown(reason: string, exitCode = 0): Promise<void> {
    this.running ??= this.run(reason, exitCode);
    return this.running;
  }

  private async run(reason: string, exitCode: number): Promise<void> {
    const { logger, readiness } = this.options;
    const exit = this.options.exit ?? ((code: number) => process.exit(code));
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    const deadline = setTimeout(() => {
      logger.error({ reason, timeoutMs, inFlight: this.active.size }, 'shutdown did not finish in time; exiting with code 1');
      this.server?.closeAllConnections();
      exit(1);
    }, timeoutMs);
    deadline.unref();
    logger.info({ reason, inFlight: this.active.size }, 'shutting down: readiness fails from now on');
    readiness.markShuttingDown();
    try {
      if (this.options.drainDelayMs) await new Promise((resolve) => setTimeout(resolve, this.options.drainDelayMs));
      await this.closeServer();
      logger.info('server closed: no request in flight');
      for (const step of this.steps) {
        const startedAt = Date.now();
        await step.run();
        logger.info({ step: step.name, ms: Date.now() - startedAt }, 'shutdown step done');
      }
      clearTimeout(deadline);
      logger.info({ exitCode }, 'shutdown complete');
      exit(exitCode);
    } catch (error) {
      clearTimeout(deadline);
      logger.error({ err: error, reason }, 'shutdown failed; exiting with code 1');
      exit(1);
    }
  }

  private async closeServer(): Promise<void> {
    this.closing = true;
    const server = this.server;
    if (!server) return;
    for (const res of this.active) if (!res.headersSent) res.setHeader('Connection', 'close');
    await new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeIdleConnections();
    });
  }
}

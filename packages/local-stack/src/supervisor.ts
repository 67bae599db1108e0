import type { ManagedProcess } from './managed-process';

/** When a crashed service is started again. */
export interface RestartPolicy {
  /** Delay before the first restart; each further crash in a row doubles it. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** A run at least this long was healthy: the next crash starts the backoff anew. */
  stableAfterMs: number;
  /** Crashes in a row (each run shorter than stableAfterMs) after which the service is given up. */
  maxCrashesInARow: number;
}

/**
 * A crash loop backs off to one try every 30 s and is given up after 6
 * crashes in a row (about a minute of tries): a service that cannot start is
 * reported instead of retried forever.
 */
export const DEFAULT_RESTART_POLICY: RestartPolicy = { initialDelayMs: 1_000, maxDelayMs: 30_000, stableAfterMs: 60_000, maxCrashesInARow: 6 };

/** The delay before restarting after the `crashesInARow`-th crash in a row (1-based). */
export function restartDelayMs(crashesInARow: number, policy: RestartPolicy): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (crashesInARow - 1));
}

export interface SupervisedServiceOptions {
  name: string;
  /** Starts one run of the service. */
  start: () => ManagedProcess;
  log: (message: string) => void;
  /** Called once the service crashed maxCrashesInARow times in a row and is no longer restarted. */
  onGiveUp: (reason: string) => void;
  policy?: RestartPolicy;
}

/**
 * Keeps one service running like a small process supervisor: a run that
 * ends without stop() being called is logged and started again after a
 * backoff, so one crash does not take the rest of the stack (and the
 * broker's data) down with it.
 */
export class SupervisedService {
  private current: ManagedProcess;
  private startedAt = Date.now();
  private crashesInARow = 0;
  private stopping = false;
  private pendingRestart: NodeJS.Timeout | undefined;
  private readonly policy: RestartPolicy;
  /** Restarts so far. */
  restarts = 0;

  constructor(private readonly options: SupervisedServiceOptions) {
    this.policy = options.policy ?? DEFAULT_RESTART_POLICY;
    this.current = this.run();
  }

  get pid(): number | undefined {
    return this.current.pid;
  }

  /** Stops the running process and every restart still to come. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.pendingRestart);
    await this.current.stop();
  }

  private run(): ManagedProcess {
    const child = this.options.start();
    this.startedAt = Date.now();
    void child.exited.then((code) => this.onExit(child, code), (error: unknown) => this.onExit(child, error instanceof Error ? error.message : String(error)));
    return child;
  }

  private onExit(child: ManagedProcess, code: number | string | null): void {
    if (this.stopping) return;
    const { name, log } = this.options;
    const how = child.exitSignal ? `was killed by ${child.exitSignal}` : `exited with code ${code}`;
    this.crashesInARow = Date.now() - this.startedAt >= this.policy.stableAfterMs ? 1 : this.crashesInARow + 1;
    if (this.crashesInARow >= this.policy.maxCrashesInARow) {
      const reason = `service ${name} ${how}, its ${this.crashesInARow}th crash in a row; not restarting it`;
      log(reason);
      this.options.onGiveUp(reason);
      return;
    }
    const delay = restartDelayMs(this.crashesInARow, this.policy);
    log(`service ${name} ${how}; restarting it in ${delay} ms (crash ${this.crashesInARow} in a row)`);
    this.pendingRestart = setTimeout(() => {
      if (this.stopping) return;
      this.restarts++;
      this.current = this.run();
      log(`service ${name}: restarted (pid ${this.current.pid})`);
    }, delay);
  }
}

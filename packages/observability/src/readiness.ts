/** The outcome of one readiness check. */
export interface CheckResult {
  ok: boolean;
  detail?: string;
}

export type ReadinessCheck = () => boolean | CheckResult | Promise<boolean | CheckResult>;

export interface ReadinessReport {
  ready: boolean;
  shuttingDown: boolean;
  checks: Record<string, CheckResult>;
}

/** A check that takes longer than this counts as failed. */
export const CHECK_TIMEOUT_MS = 2_000;

/**
 * Whether the service should get traffic: every registered check passes
 * and no shutdown has begun. Shutdown makes it fail first, so load
 * balancers stop sending before the server stops accepting.
 */
export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();
  /** A check still running from an earlier report is awaited, not started again (no pile-up while a dependency hangs). */
  private readonly running = new Map<string, Promise<CheckResult>>();
  private shuttingDown = false;

  /** Adds a named check, e.g. `('kafka-producer', () => producer.isReady)`. */
  register(name: string, check: ReadinessCheck): this {
    this.checks.set(name, check);
    return this;
  }

  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  async report(): Promise<ReadinessReport> {
    const entries = await Promise.all(Array.from(this.checks, async ([name, check]) => [name, await withTimeout(this.start(name, check))] as const));
    const checks = Object.fromEntries(entries);
    return { ready: !this.shuttingDown && entries.every(([, result]) => result.ok), shuttingDown: this.shuttingDown, checks };
  }

  private start(name: string, check: ReadinessCheck): Promise<CheckResult> {
    const running = this.running.get(name);
    if (running) return running;
    const result = runCheck(check).finally(() => this.running.delete(name));
    this.running.set(name, result);
    return result;
  }
}

async function runCheck(check: ReadinessCheck): Promise<CheckResult> {
  try {
    const result = await check();
    return typeof result === 'boolean' ? { ok: result } : result;
  } catch (error) {
    return { ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}

async function withTimeout(result: Promise<CheckResult>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${CHECK_TIMEOUT_MS} ms` }), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([result, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

import { WaitTimeoutError } from './errors';

export interface WaitOptions {
  /** What is awaited, for the error message. */
  description: string;
  timeoutMs: number;
  /** Pause between two checks. */
  intervalMs?: number;
  /** Checked before each attempt: an error returned ends the wait at once (e.g. the process being awaited died). */
  failFast?: () => Error | undefined;
}

const DEFAULT_INTERVAL_MS = 100;

/**
 * Polls `check` until it returns a value other than `undefined`/`false`, or
 * throws a WaitTimeoutError naming what was awaited and the last failure seen.
 * A check that throws counts as "not yet".
 */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  let lastError: unknown;
  for (;;) {
    const fatal = options.failFast?.();
    if (fatal) throw fatal;
    try {
      const result = await check();
      if (result !== undefined && result !== false) return result;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw new WaitTimeoutError(`timed out after ${options.timeoutMs} ms waiting for ${options.description}${detail}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

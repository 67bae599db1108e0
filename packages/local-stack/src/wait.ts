import { retry } from '@abtest/retry';
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

/** A check that found nothing yet: tried again until the deadline. */
class NotYetError extends Error {
  override readonly name = 'NotYetError';
  readonly retriable = true;
}

/**
 * Polls `check` until it returns a value other than `undefined`/`false`, or
 * throws a WaitTimeoutError naming what was awaited and the last failure seen.
 * A check that throws counts as "not yet". Polling is @abtest/retry at a
 * constant interval, with a last check at the deadline.
 */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, options: WaitOptions): Promise<T> {
  let fatal: Error | undefined;
  let lastError: unknown;
  const attempt = async (): Promise<T> => {
    fatal = options.failFast?.();
    if (fatal) throw fatal;
    let result: T | undefined | false;
    try {
      result = await check();
    } catch (error) {
      lastError = error;
      throw new NotYetError('the check failed', { cause: error });
    }
    if (result === undefined || result === false) throw new NotYetError('not yet');
    return result;
  };
  try {
    return await retry(attempt, { initialDelayMs: options.intervalMs ?? DEFAULT_INTERVAL_MS, factor: 1, jitter: 0, timeoutMs: options.timeoutMs, retryIf: (error) => error instanceof NotYetError });
  } catch (error) {
    if (error === fatal) throw error;
    const detail = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
    throw new WaitTimeoutError(`timed out after ${options.timeoutMs} ms waiting for ${options.description}${detail}`, { cause: lastError });
  }
}

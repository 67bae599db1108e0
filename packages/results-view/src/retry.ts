import { ResultsContractError } from '@abtest/results-contract';
import { ResultsViewError } from './errors';

export interface RetryOptions {
  /** Tries in all, the first included; `Infinity` retries until `signal` aborts. */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Growth of the delay per attempt. Default 2. */
  factor?: number;
  /** Random share of each delay, ±; spreads the retries of many instances. Default 0.2. */
  jitter?: number;
  /** Stops the retries: the last error is thrown. */
  signal?: AbortSignal;
}

export type RetryListener = (error: unknown, attempt: number, delayMs: number) => void;

/** Only errors that say so are retried: a ResultsViewError (or the contract's, such as RecordDecodeError) with `retriable`, or any error when `retryUnknown` is set. */
function isRetriable(error: unknown, retryUnknown: boolean): boolean {
  if (error instanceof ResultsViewError || error instanceof ResultsContractError) return error.retriable;
  return retryUnknown;
}

function delayFor(error: unknown, attempt: number, options: RetryOptions): number {
  const hinted = error instanceof ResultsViewError ? error.retryAfterMs : undefined;
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * (options.factor ?? 2) ** (attempt - 1));
  const jitter = options.jitter ?? 0.2;
  const delay = base * (1 - jitter + 2 * jitter * Math.random());
  return Math.max(hinted ?? 0, Math.round(delay));
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs `operation` until it succeeds, with exponential backoff and jitter
 * between tries (a `retryAfterMs` on the error is a lower bound of the
 * delay). Non-retriable errors and the last try's error are thrown.
 */
export async function retry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions & { retryUnknown?: boolean; onRetry?: RetryListener }): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= options.attempts || options.signal?.aborted || !isRetriable(error, options.retryUnknown ?? false)) throw error;
      const delay = delayFor(error, attempt, options);
      options.onRetry?.(error, attempt, delay);
      await sleep(delay, options.signal);
      if (options.signal?.aborted) throw error;
    }
  }
}

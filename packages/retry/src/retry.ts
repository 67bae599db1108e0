/**
 * The one retry loop of the project. What to retry is decided by the error
 * alone: an error whose `retriable` is true (our error classes, kafkajs'
 * KafkaJSError) is tried again, one whose `retriable` is false is thrown at
 * once, one without the flag is thrown unless the caller opts in
 * (`retryUnknown`), as a start-up wait for a service that may still be
 * coming up does.
 */

export interface RetryPolicy {
  /** Tries in all, the first included. Default Infinity (then bound it by `timeoutMs` or `signal`). */
  attempts?: number;
  /** Stop retrying once this long has passed since the first try; the last error is thrown. */
  timeoutMs?: number;
  /** Delay after the first failure. */
  initialDelayMs: number;
  /** Longest delay between two tries. Default: initialDelayMs × 32. */
  maxDelayMs?: number;
  /** Growth of the delay per try. Default 2; 1 polls at a constant interval. */
  factor?: number;
  /** Random share of each delay, ±, so that many instances do not retry in step. Default 0.2. */
  jitter?: number;
  /** Retry errors that carry no `retriable` flag. Default false. */
  retryUnknown?: boolean;
  /**
   * Narrows what is retried: a retriable error this refuses is thrown (e.g.
   * only the answers of a topic still propagating). It never makes a
   * non-retriable error retried.
   */
  retryIf?: (error: unknown) => boolean;
  /** Ends the retries: the last error is thrown. */
  signal?: AbortSignal;
  /** Told before each wait (for a log line or a metric). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Random numbers in [0, 1) for the jitter; tests pass their own. */
  random?: () => number;
}

const DEFAULT_FACTOR = 2;
const DEFAULT_JITTER = 0.2;
const DEFAULT_MAX_DELAY_FACTOR = 32;

/** The error's own `retriable` flag: true, false, or undefined when it has none. */
export function retriableFlag(error: unknown): boolean | undefined {
  if (typeof error !== 'object' || error === null || !('retriable' in error)) return undefined;
  return typeof error.retriable === 'boolean' ? error.retriable : undefined;
}

/** A lower bound of the next delay that the error asks for (`retryAfterMs`, e.g. from a Retry-After header). */
function hintedDelay(error: unknown): number {
  if (typeof error !== 'object' || error === null || !('retryAfterMs' in error)) return 0;
  return typeof error.retryAfterMs === 'number' && Number.isFinite(error.retryAfterMs) ? error.retryAfterMs : 0;
}

/** The wait after failed try number `attempt` (1-based), jitter included. */
export function backoffDelay(attempt: number, policy: RetryPolicy): number {
  const max = policy.maxDelayMs ?? policy.initialDelayMs * DEFAULT_MAX_DELAY_FACTOR;
  const base = Math.min(max, policy.initialDelayMs * (policy.factor ?? DEFAULT_FACTOR) ** (attempt - 1));
  const jitter = policy.jitter ?? DEFAULT_JITTER;
  return Math.round(base * (1 - jitter + 2 * jitter * (policy.random ?? Math.random)()));
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs `operation` until it succeeds. A failure is tried again after an
 * exponentially growing, jittered delay (at least the error's
 * `retryAfterMs`) while the error is retriable and the policy allows
 * another try; otherwise its error is thrown.
 */
export async function retry<T>(operation: (attempt: number) => Promise<T>, policy: RetryPolicy): Promise<T> {
  const startedAt = Date.now();
  const attempts = policy.attempts ?? Infinity;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation(attempt);
    } catch (error) {
      const retriable = (retriableFlag(error) ?? policy.retryUnknown ?? false) && (policy.retryIf?.(error) ?? true);
      if (!retriable || attempt >= attempts || policy.signal?.aborted) throw error;
      let delay = Math.max(hintedDelay(error), backoffDelay(attempt, policy));
      if (policy.timeoutMs !== undefined) {
        const left = policy.timeoutMs - (Date.now() - startedAt);
        if (left <= 0) throw error;
        delay = Math.min(delay, left);
      }
      policy.onRetry?.(error, attempt, delay);
      await sleep(delay, policy.signal);
      if (policy.signal?.aborted) throw error;
    }
  }
}

export interface ResultsViewErrorOptions {
  retriable?: boolean;
  /** The least time to wait before retrying, when the other side said so (HTTP Retry-After). */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * One error hierarchy for the package. `retriable` says whether repeating
 * the same operation may succeed; the retry helper reads nothing else.
 */
export class ResultsViewError extends Error {
  override readonly name: string = 'ResultsViewError';
  readonly retriable: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: ResultsViewErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.retriable = options.retriable ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Slack's webhook refused or could not be reached. 429, 5xx and network errors are retriable; other 4xx are final. */
export class SlackDeliveryError extends ResultsViewError {
  override readonly name = 'SlackDeliveryError';
  constructor(
    message: string,
    /** HTTP status, null when no answer came. */
    readonly status: number | null,
    options: ResultsViewErrorOptions,
  ) {
    super(message, options);
  }
}

/** A Redis script answered something other than its documented output, or an outbox entry is malformed. */
export class OutboxError extends ResultsViewError {
  override readonly name = 'OutboxError';
}

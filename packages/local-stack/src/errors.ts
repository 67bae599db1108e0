/** Base error of the local stack: a service could not be installed, started or reached. */
export class StackError extends Error {
  override readonly name: string = 'StackError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A condition awaited with a deadline did not become true in time. */
export class WaitTimeoutError extends StackError {
  override readonly name = 'WaitTimeoutError';
}

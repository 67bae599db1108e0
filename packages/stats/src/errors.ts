/**
 * Errors raised by this package. Invalid inputs are never retriable: the
 * same input fails the same way until the caller fixes it.
 */
export class StatsInputError extends Error {
  override readonly name = 'StatsInputError' as const;
  readonly retriable = false;

  /** `field` is the path of the offending input, e.g. `stats.B.revenue.n`. */
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

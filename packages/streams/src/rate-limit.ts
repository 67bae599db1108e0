/**
 * A token bucket over records: `perSecond` on average, bursts of up to one
 * second's worth. A runtime that shares its CPU with another (a rebuild
 * beside the live generation) uses it to leave that one its share.
 */
export class RecordRateLimit {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = perSecond;
    this.last = now();
  }

  /** Takes `records` and returns how long (ms) to wait before processing them: 0 while within the rate. */
  delayFor(records: number): number {
    const now = this.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) / 1_000) * this.perSecond);
    this.last = now;
    this.tokens -= records;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.perSecond) * 1_000;
  }
}

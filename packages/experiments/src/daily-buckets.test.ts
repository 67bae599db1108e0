import { addToBuckets, dayOf, LATE_EXPOSURE_DAYS, sumBuckets } from './daily-buckets';
import { DAY_MS } from './delta';

describe('daily buckets', () => {
  it('should keep one bucket per day, days ascending as gaps, whatever the arrival order', () => {
    let buckets = addToBuckets(undefined, 20432, 12, 7);
    buckets = addToBuckets(buckets, 20430, 59.9, 7);
    buckets = addToBuckets(buckets, 20432, 3, 7);
    expect(buckets).toEqual([20430, 59.9, 2, 15]);
    expect(sumBuckets(buckets, 20430, 20432)).toBe(59.9);
    expect(sumBuckets(buckets, 20430, 20433)).toBeCloseTo(74.9, 12);
    expect(sumBuckets(undefined, 0, 1e9)).toBe(0);
  });

  it('should drop the days no exposure still to come can reach: at most window + 2 buckets', () => {
    let buckets: number[] | undefined;
    for (let day = 1000; day < 1060; day++) buckets = addToBuckets(buckets, day, 1, 7);
    expect(buckets).toHaveLength(2 * (7 + LATE_EXPOSURE_DAYS + 1));
    expect(sumBuckets(buckets, 1059 - 7 - LATE_EXPOSURE_DAYS, 1060)).toBe(7 + LATE_EXPOSURE_DAYS + 1);
    // An event older than the kept days is not kept.
    expect(addToBuckets(buckets, 1000, 5, 7)).toEqual(buckets);
  });

  it('should keep a day sum without float dust (12 significant digits)', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(addToBuckets(addToBuckets(undefined, 5, 0.1, 7), 5, 0.2, 7)).toEqual([5, 0.3]);
  });

  it('should count days in UTC event time', () => {
    expect(dayOf(Date.UTC(2026, 0, 1, 23, 59, 59, 999))).toBe(Date.UTC(2026, 0, 1) / DAY_MS);
    expect(dayOf(Date.UTC(2026, 0, 2))).toBe(Date.UTC(2026, 0, 2) / DAY_MS);
  });
});

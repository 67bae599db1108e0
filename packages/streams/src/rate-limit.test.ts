import { RecordRateLimit } from './rate-limit';

describe('RecordRateLimit', () => {
  it('lets a second of records through at once, then paces the rest at the rate', () => {
    let now = 0;
    const limit = new RecordRateLimit(1_000, () => now);
    expect(limit.delayFor(1_000)).toBe(0);
    // 500 more records: half a second of debt.
    expect(limit.delayFor(500)).toBe(500);
    now = 500;
    expect(limit.delayFor(0)).toBe(0);
    // A long idle time refills one second's worth, no more.
    now = 60_000;
    expect(limit.delayFor(1_000)).toBe(0);
    expect(limit.delayFor(1)).toBeCloseTo(1, 9);
  });

  it('averages the given rate over a long run', () => {
    let now = 0;
    const limit = new RecordRateLimit(2_000, () => now);
    for (let i = 0; i < 100; i++) now += limit.delayFor(500);
    // 50,000 records at 2,000/s: 25 s, less the first second's burst.
    expect(now).toBeCloseTo(24_000, 6);
  });
});

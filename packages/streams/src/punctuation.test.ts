import { PunctuationSchedule } from './punctuation';

const T = 1_000_000;
const timestamps = (schedule: PunctuationSchedule, now: number, streamTime: number | undefined) => schedule.takeDue(now, streamTime).map((d) => d.timestamp);

describe('PunctuationSchedule', () => {
  it('should fire a wall-clock schedule one interval after it was made, then once per interval, skipping missed ones', () => {
    const schedule = new PunctuationSchedule();
    schedule.add('p', 100, 'wall-clock', () => undefined, T);
    expect(schedule.isDue(T + 99, undefined)).toBe(false);
    expect(timestamps(schedule, T + 99, undefined)).toEqual([]);
    expect(timestamps(schedule, T + 100, undefined)).toEqual([T + 100]);
    expect(timestamps(schedule, T + 150, undefined)).toEqual([]);
    // Three intervals late: one punctuation, and the next is due at the next multiple.
    expect(timestamps(schedule, T + 480, undefined)).toEqual([T + 480]);
    expect(timestamps(schedule, T + 499, undefined)).toEqual([]);
    expect(timestamps(schedule, T + 500, undefined)).toEqual([T + 500]);
  });

  it('should fire a stream-time schedule at the first record, then only as stream time advances', () => {
    const schedule = new PunctuationSchedule();
    schedule.add('p', 1_000, 'stream-time', () => undefined, T);
    expect(timestamps(schedule, T + 10_000, undefined)).toEqual([]);
    expect(timestamps(schedule, T, 5_000)).toEqual([5_000]);
    // Wall-clock time passing does not move stream time.
    expect(timestamps(schedule, T + 60_000, 5_500)).toEqual([]);
    expect(timestamps(schedule, T + 60_000, 6_500)).toEqual([6_500]);
    expect(timestamps(schedule, T + 60_000, 6_999)).toEqual([]);
    expect(timestamps(schedule, T + 60_000, 7_000)).toEqual([7_000]);
  });

  it('should stop a cancelled schedule and drop every schedule on clear', () => {
    const schedule = new PunctuationSchedule();
    const cancelled = schedule.add('a', 100, 'wall-clock', () => undefined, T);
    schedule.add('b', 100, 'wall-clock', () => undefined, T);
    cancelled.cancel();
    expect(schedule.takeDue(T + 100, undefined).map((d) => d.punctuation.processor)).toEqual(['b']);
    schedule.clear();
    expect(schedule.isDue(T + 1_000, undefined)).toBe(false);
  });

  it('should reject an interval that is not a whole number of milliseconds of at least 1', () => {
    const schedule = new PunctuationSchedule();
    for (const interval of [0, -5, 1.5, Number.NaN]) expect(() => schedule.add('p', interval, 'wall-clock', () => undefined, T)).toThrow(/expected a whole number of milliseconds ≥ 1/);
  });
});

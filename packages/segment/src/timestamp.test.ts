import { toIsoTimestamp } from './timestamp';

describe('toIsoTimestamp', () => {
  /** ±8.64e15 ms: the range of a Date. */
  const MAX_TIME = 8.64e15;

  it('should write what Date#toISOString writes, at the edges of four-digit years and beyond', () => {
    const edges = [0, -1, 1, 951_782_400_000, 253_402_300_799_999, 253_402_300_800_000, -62_167_219_200_000, -62_167_219_200_001, MAX_TIME, -MAX_TIME];
    expect(edges.map(toIsoTimestamp)).toEqual(edges.map((ms) => new Date(ms).toISOString()));
  });

  it('should write what Date#toISOString writes for times across the whole range of a Date', () => {
    const times = Array.from({ length: 20_000 }, (_, index) => Math.trunc((Math.random() * 2 - 1) * (index % 2 === 0 ? MAX_TIME : 1e13)));
    expect(times.map(toIsoTimestamp)).toEqual(times.map((ms) => new Date(ms).toISOString()));
  });

  it('should throw like Date#toISOString for a time that is not a date', () => {
    expect(() => toIsoTimestamp(Number.NaN)).toThrow(RangeError);
    expect(() => toIsoTimestamp(MAX_TIME + 1)).toThrow(RangeError);
  });
});

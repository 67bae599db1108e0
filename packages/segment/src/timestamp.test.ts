import { parseIsoTimestamp, toIsoTimestamp } from './timestamp';

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

describe('parseIsoTimestamp', () => {
  it('should read the canonical ISO form exactly as Date.parse does, and leave other forms to it', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pad = (n: number, width: number) => String(n).padStart(width, '0');
    const samples = ['2026-11-20T10:00:00.000Z', '1970-01-01T00:00:00.000Z', '2024-02-29T23:59:59.999Z', '2026-02-30T00:00:00.000Z', '2026-13-01T00:00:00.000Z', '2026-01-01T24:00:00.000Z', '2026-01-01T23:60:00.000Z', '2026-01-01T00:00:00.000+00:00', '2026-01-01', 'soon', '2026-0a-01T00:00:00.000Z'];
    for (let i = 0; i < 5_000; i++) {
      samples.push(`${pad(1900 + random(300), 4)}-${pad(random(14), 2)}-${pad(random(33), 2)}T${pad(random(25), 2)}:${pad(random(61), 2)}:${pad(random(61), 2)}.${pad(random(1000), 3)}Z`);
    }
    for (const sample of samples) {
      const expected = Date.parse(sample);
      expect({ sample, time: parseIsoTimestamp(sample) }).toEqual({ sample, time: Number.isNaN(expected) ? undefined : expected });
    }
  });
});

import { normalInterval, ratio, wilsonInterval } from './intervals';

describe('wilsonInterval', () => {
  it('should match the textbook values for 10 of 100 at 95%', () => {
    const interval = wilsonInterval(10, 100);
    expect(interval.estimate).toBeCloseTo(0.1, 10);
    expect(interval.lower).toBeCloseTo(0.05523, 4);
    expect(interval.upper).toBeCloseTo(0.17437, 4);
  });

  it('should stay within [0, 1] at the edges and clamp successes above n', () => {
    expect(wilsonInterval(0, 5).lower).toBe(0);
    expect(wilsonInterval(5, 5).upper).toBe(1);
    expect(wilsonInterval(7, 5).estimate).toBe(1);
  });

  it('should be empty without persons', () => {
    expect(wilsonInterval(0, 0)).toEqual({ estimate: null, lower: null, upper: null });
  });
});

describe('normalInterval and ratio', () => {
  it('should span estimate ± z·se and be empty when a part is unknown', () => {
    expect(normalInterval(0.1, 0.01, 2)).toEqual({ estimate: 0.1, lower: 0.08, upper: 0.12000000000000001 });
    expect(normalInterval(null, 0.01)).toEqual({ estimate: null, lower: null, upper: null });
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(1, 4)).toBe(0.25);
  });
});

import { eventTimeOf } from './events';

describe('eventTimeOf', () => {
  it('should take a timestamp only from text, and fall back to the record time otherwise', () => {
    expect(eventTimeOf({ timestamp: 1_700_000_000_000 }, 5)).toBe(5);
    expect(eventTimeOf({ timestamp: '2026-11-20T10:00:00.000Z' }, 5)).toBe(Date.UTC(2026, 10, 20, 10));
  });
});

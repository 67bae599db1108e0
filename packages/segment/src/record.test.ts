import { MAX_DEAD_LETTER_EVENT_BYTES, RECORD_HEADERS, toDeadLetterRecord, type DeadLetter } from './record';

describe('toDeadLetterRecord', () => {
  const deadLetter = { reason: 'too_large' as const, issues: [{ path: '$', reason: 'too big' }], source: 'web', receivedAt: '2024-05-01T12:00:00.000Z' };

  it('should keep only a prefix of an event too large to store whole', () => {
    const event = { type: 'track', anonymousId: 'a', blob: 'x'.repeat(MAX_DEAD_LETTER_EVENT_BYTES) };
    const record = toDeadLetterRecord(deadLetter, event);
    const value = JSON.parse(record.value) as DeadLetter;
    expect(value.event).toBeUndefined();
    expect(value.eventPrefix).toHaveLength(MAX_DEAD_LETTER_EVENT_BYTES);
    expect(value.eventPrefix?.startsWith('{"type":"track"')).toBe(true);
    expect(record.key).toBe('a');
    expect(record.headers[RECORD_HEADERS.deadLetterReason]).toBe('too_large');
  });

  it('should store scalars and missing events', () => {
    expect(JSON.parse(toDeadLetterRecord(deadLetter, 7).value)).toMatchObject({ event: 7 });
    expect(toDeadLetterRecord(deadLetter, undefined).key).toBeNull();
  });
});

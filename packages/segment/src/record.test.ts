import { MAX_DEAD_LETTER_EVENT_BYTES, RECORD_HEADERS, deadLetterKey, toDeadLetterRecord, type DeadLetter } from './record';

describe('toDeadLetterRecord', () => {
  const deadLetter = { reason: 'too_large' as const, issues: [{ path: '$', reason: 'too big' }], source: 'web', receivedAt: '2024-05-01T12:00:00.000Z' };

  it('should keep only a prefix of an event too large to store whole', () => {
    const event = { type: 'track', anonymousId: 'a', blob: 'x'.repeat(MAX_DEAD_LETTER_EVENT_BYTES) };
    const record = toDeadLetterRecord(deadLetter, event);
    const value = JSON.parse(record.value) as DeadLetter;
    expect(value.event).toBeUndefined();
    expect(value.eventPrefix).toHaveLength(MAX_DEAD_LETTER_EVENT_BYTES);
    expect(value.eventPrefix?.startsWith('{"type":"track"')).toBe(true);
    expect(record.key).toBe(deadLetterKey('a'));
    expect(record.headers[RECORD_HEADERS.deadLetterReason]).toBe('too_large');
  });

  it('should store scalars and missing events', () => {
    expect(JSON.parse(toDeadLetterRecord(deadLetter, 7).value)).toMatchObject({ event: 7 });
    expect(toDeadLetterRecord(deadLetter, undefined).key).toBeNull();
  });

  it('should key by a short hash of the person and set no header from client text but a known type', () => {
    const hostile = { type: 'x'.repeat(100_000), anonymousId: 'a'.repeat(2 * 1024 * 1024) };
    const record = toDeadLetterRecord(deadLetter, hostile);
    expect(record.key).toHaveLength(43);
    expect(record.key).toBe(toDeadLetterRecord(deadLetter, { ...hostile, extra: 1 }).key);
    expect(record.key).not.toBe(toDeadLetterRecord(deadLetter, { anonymousId: 'other' }).key);
    expect(record.headers[RECORD_HEADERS.eventType]).toBeUndefined();
    expect(toDeadLetterRecord(deadLetter, { type: 'track' }).headers[RECORD_HEADERS.eventType]).toBe('track');
  });

  it('should keep the event as text only when told not to embed it', () => {
    const value = JSON.parse(toDeadLetterRecord(deadLetter, { type: 'track' }, '{"type":"track"}', { embed: false }).value) as DeadLetter;
    expect(value).toMatchObject({ eventPrefix: '{"type":"track"}' });
    expect(value.event).toBeUndefined();
  });
});

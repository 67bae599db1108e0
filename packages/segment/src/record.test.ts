import type { NormalizedEvent } from './normalize';
import { MAX_DEAD_LETTER_EVENT_BYTES, RECORD_HEADERS, createEventRecorder, deadLetterKey, toDeadLetterRecord, toEventRecord, type DeadLetter } from './record';

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

describe('createEventRecorder', () => {
  const event = (type: 'track' | 'identify', messageId: string, messageIdDerived = false): NormalizedEvent => ({
    message: { type, messageId, anonymousId: `anon-${messageId}`, receivedAt: '2024-05-01T12:00:00.000Z', timestamp: '2024-05-01T12:00:00.000Z' },
    messageIdDerived,
  });

  it('should build the records toEventRecord builds', () => {
    const record = createEventRecorder('web')(event('track', 'm1', true));
    expect(record).toEqual(toEventRecord(event('track', 'm1', true), 'web'));
    expect(record).toMatchObject({ key: 'anon-m1', headers: { [RECORD_HEADERS.eventType]: 'track', [RECORD_HEADERS.source]: 'web', [RECORD_HEADERS.messageIdDerived]: 'true' } });
  });

  it('should share one frozen headers object between records whose headers are the same', () => {
    const toRecord = createEventRecorder('web');
    const [first, second, identify, derived] = [event('track', 'm1'), event('track', 'm2'), event('identify', 'm3'), event('track', 'm4', true)].map(toRecord);
    expect(second?.headers).toBe(first?.headers);
    expect(Object.isFrozen(first?.headers)).toBe(true);
    expect(identify?.headers).not.toBe(first?.headers);
    expect(derived?.headers).not.toBe(first?.headers);
    expect(JSON.parse(second?.value ?? '')).toMatchObject({ messageId: 'm2' });
  });
});

import { DERIVED_MESSAGE_ID_PREFIX } from './message-id';
import { normalizeMessage } from './normalize';
import type { SegmentMessage } from './schema';
import { validateMessage } from './validate';

const receivedAt = new Date('2024-05-01T12:00:10.000Z');

function valid(input: Record<string, unknown>): SegmentMessage {
  const result = validateMessage(input);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.message;
}

describe('normalizeMessage', () => {
  it('should set receivedAt to the server time and keep the message otherwise as sent', () => {
    const input = { type: 'track', event: 'Clicked', anonymousId: 'a-1', messageId: 'm-1', properties: { x: 1 }, custom: 'kept' } as const;
    const { message, messageIdDerived } = normalizeMessage(valid(input), receivedAt);
    expect(message).toEqual({ ...input, receivedAt: '2024-05-01T12:00:10.000Z', timestamp: '2024-05-01T12:00:10.000Z' });
    expect(messageIdDerived).toBe(false);
  });

  it("should correct the client's clock skew: timestamp = receivedAt − (sentAt − originalTimestamp)", () => {
    // The client's clock is 1 hour fast; the event happened 2 s before it was sent.
    const input = { type: 'track', event: 'x', userId: 'u', messageId: 'm', timestamp: '2024-05-01T13:00:03.000Z', sentAt: '2024-05-01T13:00:05.000Z' };
    const { message } = normalizeMessage(valid(input), receivedAt);
    expect(message.timestamp).toBe('2024-05-01T12:00:08.000Z');
    expect(message.originalTimestamp).toBe('2024-05-01T13:00:03.000Z');
    expect(message.sentAt).toBe('2024-05-01T13:00:05.000Z');
  });

  it('should use the batch sentAt when the message has none', () => {
    const input = { type: 'track', event: 'x', userId: 'u', messageId: 'm', timestamp: '2024-05-01T11:59:00.000+00:00' };
    const { message } = normalizeMessage(valid(input), receivedAt, { sentAt: '2024-05-01T11:59:30.000Z' });
    expect(message.timestamp).toBe('2024-05-01T11:59:40.000Z');
    expect(message.sentAt).toBe('2024-05-01T11:59:30.000Z');
  });

  it('should keep the timestamp as sent when there is no sentAt to correct with', () => {
    const input = { type: 'track', event: 'x', userId: 'u', messageId: 'm', timestamp: '2020-01-01T00:00:00.000Z' };
    const { message } = normalizeMessage(valid(input), receivedAt);
    expect(message.timestamp).toBe('2020-01-01T00:00:00.000Z');
    expect(message.originalTimestamp).toBe('2020-01-01T00:00:00.000Z');
  });

  it('should keep the timestamp of a message Segment already normalized (it has an originalTimestamp)', () => {
    const input = {
      type: 'track',
      event: 'x',
      userId: 'u',
      messageId: 'm',
      originalTimestamp: '2024-05-01T10:00:00.000Z',
      sentAt: '2024-05-01T10:00:01.000Z',
      timestamp: '2024-05-01T11:00:00.000Z',
      receivedAt: '2024-05-01T11:00:01.000Z',
    };
    const { message } = normalizeMessage(valid(input), receivedAt);
    expect(message.timestamp).toBe('2024-05-01T11:00:00.000Z');
    expect(message.originalTimestamp).toBe('2024-05-01T10:00:00.000Z');
    expect(message.receivedAt).toBe('2024-05-01T12:00:10.000Z');
  });

  it('should merge batch context and integrations into the message, the message winning', () => {
    const input = { type: 'identify', userId: 'u', messageId: 'm', context: { library: { name: 'mine' }, ip: '1.2.3.4' }, integrations: { All: false } };
    const { message } = normalizeMessage(valid(input), receivedAt, {
      context: { library: { name: 'batch', version: '1.0' }, locale: 'en' },
      integrations: { All: true, Mixpanel: false },
    });
    expect(message.context).toEqual({ library: { name: 'mine', version: '1.0' }, ip: '1.2.3.4', locale: 'en' });
    expect(message.integrations).toEqual({ All: false, Mixpanel: false });
  });

  it('should take batch context as is when the message has none', () => {
    const { message } = normalizeMessage(valid({ type: 'identify', userId: 'u', messageId: 'm' }), receivedAt, { context: { locale: 'en' } });
    expect(message.context).toEqual({ locale: 'en' });
  });

  it('should remove the writeKey and turn numeric ids into strings', () => {
    const { message } = normalizeMessage(valid({ type: 'alias', userId: 42, previousId: 'anon', anonymousId: null, writeKey: 'secret', messageId: 'm' }), receivedAt);
    expect(message).not.toHaveProperty('writeKey');
    expect(message).not.toHaveProperty('anonymousId');
    expect(message.userId).toBe('42');
  });

  it('should derive a deterministic messageId when the client sent none, and flag it', () => {
    const input = { type: 'track', event: 'x', userId: 'u', timestamp: '2024-05-01T11:00:00.000Z' };
    const first = normalizeMessage(valid({ ...input, sentAt: '2024-05-01T11:00:01.000Z' }), receivedAt);
    const retried = normalizeMessage(valid({ ...input, sentAt: '2024-05-01T11:05:00.000Z' }), new Date('2024-05-01T12:05:00.000Z'));
    expect(first.messageIdDerived).toBe(true);
    expect(first.message.messageId.startsWith(DERIVED_MESSAGE_ID_PREFIX)).toBe(true);
    expect(retried.message.messageId).toBe(first.message.messageId);
    expect(normalizeMessage(valid({ ...input, event: 'y' }), receivedAt).message.messageId).not.toBe(first.message.messageId);
  });

  it('should not modify its input', () => {
    const input = valid({ type: 'identify', userId: 1, messageId: 'm', context: { a: 1 }, writeKey: 'k' });
    const copy = structuredClone(input);
    normalizeMessage(input, receivedAt, { context: { b: 2 }, sentAt: '2024-05-01T12:00:00.000Z' });
    expect(input).toEqual(copy);
  });
});

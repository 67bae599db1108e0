import { MAX_MESSAGE_ID_LENGTH } from './limits';
import { DERIVED_MESSAGE_ID_PREFIX, deriveMessageId } from './message-id';

describe('deriveMessageId', () => {
  it('should not depend on key order', () => {
    expect(deriveMessageId({ a: 1, b: { c: 2, d: [1, 2] } })).toBe(deriveMessageId({ b: { d: [1, 2], c: 2 }, a: 1 }));
  });

  it('should ignore transport fields (sentAt, receivedAt, writeKey, messageId)', () => {
    const content = { type: 'track', event: 'x', userId: 'u' };
    expect(deriveMessageId({ ...content, sentAt: '1', receivedAt: '2', writeKey: 'k', messageId: 'old' })).toBe(deriveMessageId(content));
  });

  it('should change with the content', () => {
    expect(deriveMessageId({ a: 1 })).not.toBe(deriveMessageId({ a: 2 }));
    expect(deriveMessageId({ a: [1, 2] })).not.toBe(deriveMessageId({ a: [2, 1] }));
  });

  it('should be a valid messageId: prefixed sha256 hex within the length limit', () => {
    const id = deriveMessageId({ a: 1 });
    expect(id).toMatch(new RegExp(`^${DERIVED_MESSAGE_ID_PREFIX}[0-9a-f]{64}$`));
    expect(id.length).toBeLessThanOrEqual(MAX_MESSAGE_ID_LENGTH);
  });
});

import { MAX_MESSAGE_ID_LENGTH } from './limits';
import { validateMessage } from './validate';

const base = { anonymousId: 'anon-1', messageId: 'm-1', timestamp: '2024-05-01T12:00:00.000Z' };

function issuesOf(input: unknown, path?: string) {
  const result = validateMessage(input, path);
  if (result.ok) throw new Error('expected the message to be invalid');
  return result.issues;
}

describe('validateMessage', () => {
  it.each([
    ['track', { type: 'track', event: 'Signed Up', properties: { plan: 'pro' } }],
    ['identify', { type: 'identify', traits: { email: 'a@example.com' } }],
    ['page', { type: 'page', name: 'Home', category: 'Docs', properties: {} }],
    ['screen', { type: 'screen', name: 'Settings' }],
    ['group', { type: 'group', groupId: 'g-1', traits: { plan: 'team' } }],
    ['alias', { type: 'alias', previousId: 'anon-1', userId: 'u-1' }],
  ])('should accept a valid %s message and keep unknown fields', (_type, message) => {
    const result = validateMessage({ ...base, ...message, custom: { nested: true } });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.message).toMatchObject({ ...message, custom: { nested: true } });
  });

  it('should refuse anything that is not an object, naming the path', () => {
    expect(issuesOf('text', '$.batch[2]')).toEqual([{ path: '$.batch[2]', reason: 'must be a JSON object (a Segment message)' }]);
    expect(issuesOf([1])).toEqual([{ path: '$', reason: 'must be a JSON object (a Segment message)' }]);
    expect(issuesOf(null)).toHaveLength(1);
  });

  it('should require a type and name the six allowed ones', () => {
    expect(issuesOf({ ...base })).toEqual([{ path: '$.type', reason: 'is required' }]);
    expect(issuesOf({ ...base, type: 'purchase' })).toEqual([{ path: '$.type', reason: 'must be one of track, identify, page, screen, group, alias' }]);
  });

  it('should require a non-empty event name on track', () => {
    expect(issuesOf({ ...base, type: 'track' })).toEqual([{ path: '$.event', reason: 'is required' }]);
    expect(issuesOf({ ...base, type: 'track', event: '' })).toEqual([{ path: '$.event', reason: 'must not be empty' }]);
    expect(issuesOf({ ...base, type: 'track', event: 42 })).toEqual([{ path: '$.event', reason: 'must be a string' }]);
  });

  it('should require a userId or an anonymousId', () => {
    expect(issuesOf({ type: 'track', event: 'x' })).toEqual([{ path: '$', reason: 'must have a userId or an anonymousId' }]);
    expect(issuesOf({ type: 'identify', userId: null, anonymousId: null })).toEqual([{ path: '$', reason: 'must have a userId or an anonymousId' }]);
    expect(validateMessage({ type: 'identify', userId: 'u-1' }).ok).toBe(true);
    expect(validateMessage({ type: 'identify', userId: 42 }).ok).toBe(true);
  });

  it('should refuse empty or non-scalar ids', () => {
    expect(issuesOf({ type: 'track', event: 'x', userId: '' })).toEqual([{ path: '$.userId', reason: 'must be a non-empty string or a number' }]);
    expect(issuesOf({ type: 'track', event: 'x', anonymousId: { id: 1 } })).toEqual([{ path: '$.anonymousId', reason: 'must be a non-empty string or a number' }]);
  });

  it('should require previousId and userId on alias, even with an anonymousId', () => {
    const issues = issuesOf({ type: 'alias', anonymousId: 'anon-1' });
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: '$.previousId', reason: 'is required' },
        { path: '$.userId', reason: 'is required' },
      ]),
    );
  });

  it('should require a groupId on group', () => {
    expect(issuesOf({ ...base, type: 'group' })).toEqual([{ path: '$.groupId', reason: 'is required' }]);
  });

  it(`should limit messageId to ${MAX_MESSAGE_ID_LENGTH} characters`, () => {
    expect(validateMessage({ ...base, type: 'identify', messageId: 'x'.repeat(MAX_MESSAGE_ID_LENGTH) }).ok).toBe(true);
    expect(issuesOf({ ...base, type: 'identify', messageId: 'x'.repeat(MAX_MESSAGE_ID_LENGTH + 1) })).toEqual([
      { path: '$.messageId', reason: `must be at most ${MAX_MESSAGE_ID_LENGTH} characters` },
    ]);
  });

  it.each(['timestamp', 'sentAt', 'originalTimestamp'])('should require %s to be an ISO-8601 date-time with an offset', (field) => {
    for (const good of ['2024-05-01T12:00:00Z', '2024-05-01T12:00:00.123456+02:00', '2024-05-01T12:00+0200']) {
      expect(validateMessage({ ...base, type: 'identify', [field]: good }).ok).toBe(true);
    }
    for (const bad of ['2024-05-01 12:00:00', '2024-05-01T12:00:00', 'yesterday', '2024-13-45T12:00:00Z', 1714564800000]) {
      const issues = issuesOf({ ...base, type: 'identify', [field]: bad });
      expect(issues).toHaveLength(1);
      expect(issues[0]?.path).toBe(`$.${field}`);
    }
  });

  it('should require properties, traits, context and integrations to be objects', () => {
    expect(issuesOf({ ...base, type: 'track', event: 'x', properties: [1] })).toEqual([{ path: '$.properties', reason: 'must be a JSON object' }]);
    expect(issuesOf({ ...base, type: 'identify', traits: 'vip' })).toEqual([{ path: '$.traits', reason: 'must be a JSON object' }]);
    expect(issuesOf({ ...base, type: 'identify', context: null })).toEqual([{ path: '$.context', reason: 'must be a JSON object' }]);
    expect(issuesOf({ ...base, type: 'identify', integrations: 1 })).toEqual([{ path: '$.integrations', reason: 'must be a JSON object' }]);
  });

  it('should name every problem of a message at once, under the given path', () => {
    const issues = issuesOf({ type: 'track', event: '', userId: '', timestamp: 'now', properties: 3 }, '$.batch[7]');
    expect(issues.map((issue) => issue.path).sort()).toEqual(['$.batch[7].event', '$.batch[7].properties', '$.batch[7].timestamp', '$.batch[7].userId']);
  });

  it('should pass JSON objects through with their keys in order, dropping only an own __proto__ key', () => {
    const input = JSON.parse('{"type":"track","event":"E","anonymousId":"a","properties":{"b":1,"a":{"x":[1]},"2":"n","__proto__":{"p":1}},"context":{"k":"v"}}') as Record<string, unknown>;
    const result = validateMessage(input);
    if (!result.ok) throw new Error('expected the message to be valid');
    expect(JSON.stringify(result.message.properties)).toBe('{"2":"n","b":1,"a":{"x":[1]}}');
    expect(Object.getPrototypeOf(result.message.properties)).toBe(Object.prototype);
    expect(result.message.context).toBe(input.context);
    expect(issuesOf({ type: 'identify', userId: 'u', traits: [] })).toEqual([{ path: '$.traits', reason: 'must be a JSON object' }]);
    expect(issuesOf({ type: 'identify', userId: 'u', traits: null })).toEqual([{ path: '$.traits', reason: 'must be a JSON object' }]);
  });
});

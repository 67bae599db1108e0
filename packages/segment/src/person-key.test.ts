import { personKey } from './person-key';

describe('personKey', () => {
  it('should prefer the anonymousId, so events before and after login stay in one partition', () => {
    expect(personKey({ anonymousId: 'anon-1', userId: 'user-1' })).toBe('anon-1');
  });

  it('should fall back to the userId', () => {
    expect(personKey({ userId: 'user-1' })).toBe('user-1');
    expect(personKey({ anonymousId: null, userId: 'user-1' })).toBe('user-1');
    expect(personKey({ anonymousId: '', userId: 'user-1' })).toBe('user-1');
  });

  it('should key numeric ids as their decimal string', () => {
    expect(personKey({ userId: 42 })).toBe('42');
  });

  it('should give undefined when there is no usable id', () => {
    expect(personKey({})).toBeUndefined();
    expect(personKey({ anonymousId: {}, userId: Number.NaN })).toBeUndefined();
  });
});

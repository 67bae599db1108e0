import { DefinitionError } from './errors';
import { definitionKey, parseDefinitionKey } from './keys';

describe('definition keys', () => {
  it('should build and parse experiment|<id> and metric|<id>', () => {
    expect(definitionKey('experiment', 'checkout')).toBe('experiment|checkout');
    expect(definitionKey('metric', 'Order Completed: revenue')).toBe('metric|Order Completed: revenue');
    expect(parseDefinitionKey('experiment|checkout')).toEqual({ kind: 'experiment', id: 'checkout' });
    expect(parseDefinitionKey('metric|revenue')).toEqual({ kind: 'metric', id: 'revenue' });
  });

  it('should refuse an invalid id when building a key', () => {
    expect(() => definitionKey('metric', 'a|b')).toThrow('invalid metric id: id: must not contain "|"');
    expect(() => definitionKey('experiment', '')).toThrow(DefinitionError);
  });

  it('should name what is wrong with a malformed key', () => {
    expect(() => parseDefinitionKey('checkout')).toThrow('invalid record key "checkout": key: must be experiment|<id> or metric|<id>');
    expect(() => parseDefinitionKey('segment|checkout')).toThrow(DefinitionError);
    expect(() => parseDefinitionKey('experiment|')).toThrow('invalid record key "experiment|": key.id: must not be empty');
    expect(() => parseDefinitionKey('experiment|a|b')).toThrow('key.id: must not contain "|"');
    expect(() => parseDefinitionKey(`metric|${'x'.repeat(201)}`)).toThrow('key.id: must be at most 200 characters');
  });
});

import { MAX_JSON_DEPTH, nestingDepth, stringifyDeep, tooDeepPath } from './json-depth';

const nestedArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('nestingDepth', () => {
  it.each([
    ['a scalar', '1', 0],
    ['brackets in a string', '"[{"', 0],
    ['an empty array', '[]', 1],
    ['escaped quotes before brackets in strings', '{"a":[1,{"b":"]}\\"["}]}', 3],
    ['6,000 nested arrays', nestedArrays(6_000), 6_000],
    ['5,000 nested objects', nestedObjects(5_000), 5_000],
  ])('should measure %s', (_what, json, depth) => {
    expect(nestingDepth(Buffer.from(json))).toBe(depth);
  });
});

describe('tooDeepPath', () => {
  it('should name the first container past the limit, in document order', () => {
    const event = { properties: { ok: { x: 1 }, deep: { a: { b: [[{}]] } } }, context: { c: { d: { e: {} } } } };
    expect(tooDeepPath(event, 5)).toBe('$.properties.deep.a.b[0]');
    expect(tooDeepPath(event, 6, '$.batch[2]')).toBe('$.batch[2].properties.deep.a.b[0][0]');
    expect(tooDeepPath(event, 7)).toBeUndefined();
  });

  it('should walk 6,000 levels without recursion', () => {
    const path = tooDeepPath(JSON.parse(nestedArrays(6_000)), MAX_JSON_DEPTH);
    expect(path).toBe(`$${'[0]'.repeat(MAX_JSON_DEPTH)}`);
    expect(tooDeepPath(JSON.parse(nestedObjects(5_000)), MAX_JSON_DEPTH)).toBe(`$${'.a'.repeat(MAX_JSON_DEPTH)}`);
  });
});

describe('stringifyDeep', () => {
  it.each([null, 1.5, 'a"b', [], {}, [1, [2, [3]], { a: null }], { a: { b: ['x', { c: true }] }, d: 'e\n' }])('should equal JSON.stringify for %j', (value) => {
    expect(stringifyDeep(value)).toBe(JSON.stringify(value));
  });

  it('should leave out undefined object fields as JSON.stringify does', () => {
    expect(stringifyDeep({ a: undefined, b: 1 })).toBe('{"b":1}');
  });

  it('should serialize what JSON.stringify cannot', () => {
    const json = nestedObjects(20_000);
    const value: unknown = JSON.parse(json);
    expect(() => JSON.stringify(value)).toThrow(RangeError);
    expect(stringifyDeep(value)).toBe(json);
  });
});

import { DefinitionError } from './errors';
import { parseMetricDefinition } from './metric';

function problems(input: unknown): string[] {
  try {
    parseMetricDefinition(input);
  } catch (error) {
    if (error instanceof DefinitionError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  throw new Error('expected a DefinitionError');
}

const conversion = { id: 'signup', type: 'conversion', event: 'Signed Up' };
const value = { id: 'revenue', type: 'value', event: 'Order Completed', value_path: 'properties.revenue' };

describe('parseMetricDefinition', () => {
  it('should fill in every default of a conversion metric', () => {
    expect(parseMetricDefinition(conversion)).toEqual({
      id: 'signup',
      name: 'signup',
      type: 'conversion',
      event: 'Signed Up',
      filters: [],
      value_path: null,
      cap: null,
      scope: 'local',
      inverse: false,
      cuped: null,
    });
  });

  it('should keep the given values of a value metric and give the same result when parsing its own output', () => {
    const parsed = parseMetricDefinition({
      ...value,
      name: 'Revenue',
      cap: 1000,
      scope: 'global',
      inverse: true,
      filters: [
        { path: 'properties.plan', op: 'in', value: ['pro', 'team'] },
        { path: 'properties.coupon', op: 'exists', value: false },
        { path: 'properties.country', op: 'exists' },
      ],
    });
    expect(parsed).toEqual({
      id: 'revenue',
      name: 'Revenue',
      type: 'value',
      event: 'Order Completed',
      filters: [
        { path: 'properties.plan', op: 'in', value: ['pro', 'team'] },
        { path: 'properties.coupon', op: 'exists', value: false },
        { path: 'properties.country', op: 'exists', value: true },
      ],
      value_path: 'properties.revenue',
      cap: 1000,
      scope: 'global',
      inverse: true,
      cuped: null,
    });
    expect(parseMetricDefinition(JSON.parse(JSON.stringify(parsed)))).toEqual(parsed);
  });

  it('should require value_path for a value metric and refuse value_path and cap for a conversion metric', () => {
    expect(problems({ ...value, value_path: undefined })).toEqual(['value_path: is required for a value metric: the dotted path of the number, e.g. properties.revenue']);
    expect(problems({ ...value, value_path: null })).toEqual(['value_path: is required for a value metric: the dotted path of the number, e.g. properties.revenue']);
    expect(problems({ ...conversion, value_path: 'properties.revenue', cap: 5 })).toEqual([
      'value_path: must be absent for a conversion metric (it counts 1 per event)',
      'cap: must be absent for a conversion metric (caps apply to value metrics)',
    ]);
    expect(parseMetricDefinition({ ...conversion, value_path: null, cap: null }).value_path).toBeNull();
  });

  it('should name each problem of the fields with its path', () => {
    expect(problems({ id: 'm', type: 'ratio', event: '', value_path: 'properties..x', cap: 0, scope: 'team', inverse: 'yes' })).toEqual([
      'type: must be "conversion" or "value"',
      'event: must not be empty',
      'value_path: must be a dotted path such as properties.revenue (no empty segments, no spaces)',
      'cap: must be > 0',
      'scope: must be "global" or "local"',
      'inverse: must be true or false',
    ]);
    expect(problems({})).toEqual(['id: is required', 'type: is required', 'event: is required']);
  });

  it('should check each filter value against its operator', () => {
    const filter = (f: unknown) => problems({ ...conversion, filters: [{ path: 'properties.x', op: 'eq', value: 1 }, f] });
    expect(filter({ path: 'properties.plan', op: 'eq' })).toEqual(['filters[1].value: is required for op "eq": a string, number, boolean or null']);
    expect(filter({ path: 'properties.plan', op: 'neq', value: { a: 1 } })).toEqual(['filters[1].value: must be a string, number, boolean or null for op "neq"']);
    expect(filter({ path: 'properties.plan', op: 'in', value: [] })).toEqual(['filters[1].value: must be a non-empty array of strings, numbers, booleans or nulls for op "in"']);
    expect(filter({ path: 'properties.plan', op: 'in', value: 'pro' })).toHaveLength(1);
    expect(filter({ path: 'properties.price', op: 'gt', value: '10' })).toEqual(['filters[1].value: must be a number for op "gt"']);
    expect(filter({ path: 'properties.price', op: 'lte' })).toEqual(['filters[1].value: must be a number for op "lte"']);
    expect(filter({ path: 'properties.price', op: 'exists', value: 1 })).toEqual(['filters[1].value: must be true or false (or absent, meaning true) for op "exists"']);
    expect(filter({ path: 'properties.price', op: 'like', value: 'a%' })).toEqual(['filters[1].op: must be one of eq, neq, in, gt, gte, lt, lte, exists']);
    expect(filter({ path: '', op: 'eq', value: 1 })).toEqual(['filters[1].path: must be a dotted path such as properties.revenue (no empty segments, no spaces)']);
    expect(filter({ path: 'properties.plan', op: 'eq', value: 'pro', negate: true })).toEqual(['filters[1].negate: unknown field (allowed: path, op, value)']);
    expect(parseMetricDefinition({ ...conversion, filters: [{ path: 'properties.plan', op: 'eq', value: null }] }).filters).toEqual([{ path: 'properties.plan', op: 'eq', value: null }]);
  });

  it('should refuse unknown fields, naming the allowed ones', () => {
    expect(problems({ ...value, valuePath: 'properties.revenue' })).toEqual([
      'valuePath: unknown field (allowed: id, name, type, event, filters, value_path, cap, scope, inverse, cuped)',
    ]);
  });

  it('should take a CUPED window of whole days, on value and conversion metrics, and parse its own output again', () => {
    const revenue = parseMetricDefinition({ ...value, cuped: { window: '7d' } });
    expect(revenue.cuped).toEqual({ window: 7 * 86_400_000 });
    expect(parseMetricDefinition(JSON.parse(JSON.stringify(revenue)))).toEqual(revenue);
    expect(parseMetricDefinition({ ...conversion, cuped: { window: '2w' } }).cuped).toEqual({ window: 14 * 86_400_000 });
    expect(parseMetricDefinition({ ...conversion, cuped: null }).cuped).toBeNull();
  });

  it('should refuse a CUPED window that is not whole days from 1d to 28d, and unknown CUPED fields', () => {
    const days = 'cuped.window: must be a whole number of days from 1d to 28d (daily buckets), e.g. 7d';
    expect(problems({ ...value, cuped: { window: '36h' } })).toEqual([days]);
    expect(problems({ ...value, cuped: { window: '29d' } })).toEqual([days]);
    expect(problems({ ...value, cuped: { window: 0 } })).toEqual([days]);
    expect(problems({ ...value, cuped: { window: 'a week' } })).toEqual(['cuped.window: must be a duration such as 7d, 12h, 30m or 1h30m (units ms, s, m, h, d, w)']);
    expect(problems({ ...value, cuped: {} })).toEqual(['cuped.window: is required']);
    expect(problems({ ...value, cuped: { window: '7d', covariate: 'revenue' } })).toEqual(['cuped.covariate: unknown field (allowed: window)']);
    expect(problems({ ...value, cuped: true })).toEqual(['cuped: must be a JSON object']);
  });

  it('should name the metric in the error message', () => {
    expect(() => parseMetricDefinition({ ...conversion, scope: 'all' })).toThrow('invalid metric definition "signup": scope: must be "global" or "local"');
  });
});

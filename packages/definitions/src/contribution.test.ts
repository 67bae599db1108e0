import { metricContribution } from './contribution';
import { parseMetricDefinition, type PropertyFilter } from './metric';

const track = (properties: Record<string, unknown>, event = 'Order Completed') => ({ type: 'track', event, anonymousId: 'a1', properties });
const conversion = (filters: PropertyFilter[] = []) => parseMetricDefinition({ id: 'orders', type: 'conversion', event: 'Order Completed', filters });
const revenue = parseMetricDefinition({ id: 'revenue', type: 'value', event: 'Order Completed', value_path: 'properties.revenue', cap: 100 });

describe('metricContribution', () => {
  it('should count 1 for a track of the metric’s event, and nothing for other events or types', () => {
    expect(metricContribution(conversion(), track({}))).toBe(1);
    expect(metricContribution(conversion(), track({}, 'Order Refunded'))).toBeUndefined();
    expect(metricContribution(conversion(), { type: 'page', event: 'Order Completed', name: 'Order Completed' })).toBeUndefined();
    expect(metricContribution(conversion(), { type: 'identify', traits: {} })).toBeUndefined();
  });

  it('should give the finite number at value_path, uncapped (the cap applies to the person’s total)', () => {
    expect(metricContribution(revenue, track({ revenue: 42.5 }))).toBe(42.5);
    expect(metricContribution(revenue, track({ revenue: 0 }))).toBe(0);
    expect(metricContribution(revenue, track({ revenue: -10 }))).toBe(-10);
    expect(metricContribution(revenue, track({ revenue: 250 }))).toBe(250);
  });

  it('should give nothing for a value that is not a number', () => {
    for (const value of ['42.5', null, true, { amount: 1 }, [1], undefined]) {
      expect(metricContribution(revenue, track({ revenue: value }))).toBeUndefined();
    }
    expect(metricContribution(revenue, track({}))).toBeUndefined();
    expect(metricContribution(revenue, { type: 'track', event: 'Order Completed' })).toBeUndefined();
    expect(metricContribution(revenue, { type: 'track', event: 'Order Completed', properties: 'revenue' })).toBeUndefined();
  });

  it('should read nested paths and array indices, and never the prototype', () => {
    const first = parseMetricDefinition({ id: 'first', type: 'value', event: 'Order Completed', value_path: 'properties.products.0.price' });
    expect(metricContribution(first, track({ products: [{ price: 9 }, { price: 5 }] }))).toBe(9);
    expect(metricContribution(first, track({ products: { 0: { price: 9 } } }))).toBe(9);
    expect(metricContribution(first, track({ products: [] }))).toBeUndefined();
    const length = parseMetricDefinition({ id: 'len', type: 'value', event: 'Order Completed', value_path: 'properties.products.length' });
    expect(metricContribution(length, track({ products: [1, 2] }))).toBeUndefined();
    const proto = conversion([{ path: 'properties.constructor', op: 'exists', value: true }]);
    expect(metricContribution(proto, track({}))).toBeUndefined();
  });

  describe('filters', () => {
    const cases: [string, PropertyFilter, Record<string, unknown>[], Record<string, unknown>[]][] = [
      ['eq', { path: 'properties.plan', op: 'eq', value: 'pro' }, [{ plan: 'pro' }], [{ plan: 'free' }, {}, { plan: ['pro'] }]],
      ['eq on a number, strictly', { path: 'properties.qty', op: 'eq', value: 5 }, [{ qty: 5 }], [{ qty: '5' }]],
      ['eq null', { path: 'properties.coupon', op: 'eq', value: null }, [{ coupon: null }], [{}, { coupon: 'X' }]],
      ['neq (an absent field differs)', { path: 'properties.plan', op: 'neq', value: 'free' }, [{ plan: 'pro' }, {}], [{ plan: 'free' }]],
      ['in', { path: 'properties.plan', op: 'in', value: ['pro', 'team', 3] }, [{ plan: 'team' }, { plan: 3 }], [{ plan: 'free' }, { plan: '3' }, {}]],
      ['gt', { path: 'properties.price', op: 'gt', value: 10 }, [{ price: 10.01 }], [{ price: 10 }, { price: '11' }, {}]],
      ['gte', { path: 'properties.price', op: 'gte', value: 10 }, [{ price: 10 }, { price: 11 }], [{ price: 9.99 }, { price: null }]],
      ['lt', { path: 'properties.price', op: 'lt', value: 10 }, [{ price: -1 }], [{ price: 10 }, { price: false }]],
      ['lte', { path: 'properties.price', op: 'lte', value: 10 }, [{ price: 10 }], [{ price: 10.5 }, {}]],
      ['exists', { path: 'properties.coupon', op: 'exists', value: true }, [{ coupon: 'X' }, { coupon: 0 }, { coupon: '' }], [{}, { coupon: null }]],
      ['exists false', { path: 'properties.coupon', op: 'exists', value: false }, [{}, { coupon: null }], [{ coupon: 'X' }]],
    ];
    it.each(cases)('should apply %s', (_name, filter, passing, failing) => {
      const metric = conversion([filter]);
      for (const properties of passing) expect(metricContribution(metric, track(properties))).toBe(1);
      for (const properties of failing) expect(metricContribution(metric, track(properties))).toBeUndefined();
    });

    it('should count only events that pass every filter', () => {
      const metric = parseMetricDefinition({
        id: 'big-pro-orders',
        type: 'value',
        event: 'Order Completed',
        value_path: 'properties.revenue',
        filters: [
          { path: 'properties.plan', op: 'eq', value: 'pro' },
          { path: 'context.locale', op: 'in', value: ['en-US', 'en-GB'] },
        ],
      });
      expect(metricContribution(metric, { ...track({ plan: 'pro', revenue: 80 }), context: { locale: 'en-GB' } })).toBe(80);
      expect(metricContribution(metric, { ...track({ plan: 'pro', revenue: 80 }), context: { locale: 'de-DE' } })).toBeUndefined();
      expect(metricContribution(metric, track({ plan: 'free', revenue: 80 }))).toBeUndefined();
    });
  });
});

import { DefinitionsCatalog } from './catalog';
import { DefinitionError } from './errors';

const experiment = (id: string, metrics: string[] = []) => JSON.stringify({ id, variants: [{ id: 'A' }, { id: 'B' }], metrics });
const metric = (id: string, event: string, scope: 'global' | 'local' = 'local') => JSON.stringify({ id, type: 'conversion', event, scope });

describe('DefinitionsCatalog', () => {
  let catalog: DefinitionsCatalog;
  beforeEach(() => {
    catalog = new DefinitionsCatalog();
  });

  it('should upsert from JSON strings or buffers and delete on a tombstone', () => {
    catalog.apply('experiment|checkout', experiment('checkout', ['signup']));
    catalog.apply('metric|signup', Buffer.from(metric('signup', 'Signed Up'), 'utf8'));
    expect(catalog.experiment('checkout')?.control_variant_id).toBe('A');
    expect(catalog.metric('signup')?.event).toBe('Signed Up');

    catalog.apply('experiment|checkout', JSON.stringify({ id: 'checkout', variants: [{ id: 'A' }, { id: 'B' }, { id: 'C' }] }));
    expect(catalog.experiment('checkout')?.variants.map((variant) => variant.id)).toEqual(['A', 'B', 'C']);

    catalog.apply('experiment|checkout', null);
    catalog.apply('metric|signup', null);
    catalog.apply('metric|never-defined', null);
    expect(catalog.experiment('checkout')).toBeUndefined();
    expect(catalog.metric('signup')).toBeUndefined();
    expect(catalog.experiments()).toEqual([]);
    expect(catalog.metrics()).toEqual([]);
  });

  it('should list experiments and metrics by id', () => {
    for (const id of ['b', 'c', 'a']) catalog.apply(`experiment|${id}`, experiment(id));
    for (const id of ['z', 'y']) catalog.apply(`metric|${id}`, metric(id, 'E'));
    expect(catalog.experiments().map((e) => e.id)).toEqual(['a', 'b', 'c']);
    expect(catalog.metrics().map((m) => m.id)).toEqual(['y', 'z']);
  });

  it('should count a version up on every apply', () => {
    expect(catalog.version).toBe(0);
    catalog.apply('metric|m', metric('m', 'E'));
    catalog.apply('metric|m', null);
    expect(() => catalog.apply('metric|m', '{')).toThrow(DefinitionError);
    expect(catalog.version).toBe(3);
  });

  describe('metricsFor', () => {
    it('should give the global metrics by id, then the experiment’s defined local metrics in its order', () => {
      catalog.apply('metric|z-global', metric('z-global', 'Page Viewed', 'global'));
      catalog.apply('metric|a-global', metric('a-global', 'Page Viewed', 'global'));
      catalog.apply('metric|revenue', metric('revenue', 'Order Completed'));
      catalog.apply('metric|signup', metric('signup', 'Signed Up'));
      catalog.apply('metric|unused', metric('unused', 'Signed Up'));
      catalog.apply('experiment|checkout', experiment('checkout', ['signup', 'undefined-yet', 'a-global', 'revenue']));
      expect(catalog.metricsFor('checkout').map((m) => m.id)).toEqual(['a-global', 'z-global', 'signup', 'revenue']);

      catalog.apply('metric|undefined-yet', metric('undefined-yet', 'Clicked'));
      expect(catalog.metricsFor('checkout').map((m) => m.id)).toEqual(['a-global', 'z-global', 'signup', 'undefined-yet', 'revenue']);
      catalog.apply('metric|signup', null);
      expect(catalog.metricsFor('checkout').map((m) => m.id)).toEqual(['a-global', 'z-global', 'undefined-yet', 'revenue']);
    });

    it('should give only the global metrics for an experiment that is not defined', () => {
      catalog.apply('metric|revenue', metric('revenue', 'Order Completed'));
      catalog.apply('metric|views', metric('views', 'Page Viewed', 'global'));
      expect(catalog.metricsFor('unknown').map((m) => m.id)).toEqual(['views']);
      expect(new DefinitionsCatalog().metricsFor('unknown')).toEqual([]);
    });

    it('should not let a caller change the catalog through what it returned', () => {
      catalog.apply('metric|views', metric('views', 'Page Viewed', 'global'));
      catalog.metricsFor('x').push(catalog.metricsFor('x')[0]!);
      expect(catalog.metricsFor('x')).toHaveLength(1);
      expect(() => {
        (catalog.metric('views') as { event: string }).event = 'Other';
      }).toThrow(TypeError);
    });
  });

  describe('metricRoles', () => {
    const withRoles = (roles: Record<string, unknown>) => JSON.stringify({ id: 'checkout', variants: [{ id: 'A' }, { id: 'B' }], ...roles });

    it('should take the role lists, make unlisted globals guardrails and unlisted locals primary only while no primary is named', () => {
      catalog.apply('metric|errors', metric('errors', 'Error Shown', 'global'));
      catalog.apply('metric|sessions', metric('sessions', 'Session Started', 'global'));
      catalog.apply('metric|revenue', metric('revenue', 'Order Completed'));
      catalog.apply('metric|signup', metric('signup', 'Signed Up'));
      catalog.apply('experiment|checkout', withRoles({ metrics: ['revenue', 'signup'] }));
      expect(Object.fromEntries(catalog.metricRoles('checkout'))).toEqual({ errors: 'guardrail', sessions: 'guardrail', revenue: 'primary', signup: 'primary' });

      catalog.apply('experiment|checkout', withRoles({ metrics: ['signup'], primary_metrics: ['revenue', 'sessions'], secondary_metrics: ['errors'] }));
      expect(catalog.metricsFor('checkout').map((m) => m.id)).toEqual(['errors', 'sessions', 'signup', 'revenue']);
      expect(Object.fromEntries(catalog.metricRoles('checkout'))).toEqual({ errors: 'secondary', sessions: 'primary', revenue: 'primary', signup: 'secondary' });
    });

    it('should make every global a guardrail for an experiment that is not defined', () => {
      catalog.apply('metric|errors', metric('errors', 'Error Shown', 'global'));
      expect(Object.fromEntries(catalog.metricRoles('unknown'))).toEqual({ errors: 'guardrail' });
    });
  });

  describe('metricsForEvent', () => {
    it('should find every metric of an event, global or local, and follow upserts and deletes', () => {
      catalog.apply('metric|orders', metric('orders', 'Order Completed'));
      catalog.apply('metric|all-orders', metric('all-orders', 'Order Completed', 'global'));
      catalog.apply('metric|signup', metric('signup', 'Signed Up'));
      expect(catalog.metricsForEvent('Order Completed').map((m) => m.id)).toEqual(['all-orders', 'orders']);
      expect(catalog.metricsForEvent('Signed Up').map((m) => m.id)).toEqual(['signup']);
      expect(catalog.metricsForEvent('Nothing')).toEqual([]);

      catalog.apply('metric|orders', metric('orders', 'Checkout Started'));
      expect(catalog.metricsForEvent('Order Completed').map((m) => m.id)).toEqual(['all-orders']);
      expect(catalog.metricsForEvent('Checkout Started').map((m) => m.id)).toEqual(['orders']);
      catalog.apply('metric|all-orders', null);
      expect(catalog.metricsForEvent('Order Completed')).toEqual([]);
    });

    it('should answer from an index, the same array until a metric changes', () => {
      catalog.apply('metric|orders', metric('orders', 'Order Completed'));
      const first = catalog.metricsForEvent('Order Completed');
      expect(catalog.metricsForEvent('Order Completed')).toBe(first);
      catalog.apply('experiment|e', experiment('e'));
      expect(catalog.metricsForEvent('Order Completed')).toBe(first);
      expect(Object.isFrozen(first)).toBe(true);
    });
  });

  describe('invalid records', () => {
    it('should throw a DefinitionError for a malformed key, leaving the catalog unchanged', () => {
      catalog.apply('metric|m', metric('m', 'E'));
      expect(() => catalog.apply('checkout', experiment('checkout'))).toThrow('invalid record key "checkout"');
      expect(() => catalog.apply('segment|m', null)).toThrow(DefinitionError);
      expect(catalog.metrics().map((m) => m.id)).toEqual(['m']);
    });

    it('should throw for a value that is not JSON, not valid, or of another id, and drop what the key held', () => {
      const invalid: [string, string][] = [
        ['{"id":', 'invalid record "experiment|checkout": (root): must be JSON'],
        [JSON.stringify({ id: 'checkout', variants: [{ id: 'A' }] }), 'invalid experiment definition "checkout": variants: must have at least 2 variants'],
        [experiment('other'), 'invalid record "experiment|checkout": id: "other" must equal the id in the record key ("checkout")'],
      ];
      for (const [value, message] of invalid) {
        catalog.apply('experiment|checkout', experiment('checkout'));
        expect(() => catalog.apply('experiment|checkout', value)).toThrow(message);
        // The catalog holds what the topic holds once compacted: the latest record of the key, here an invalid one.
        expect(catalog.experiment('checkout')).toBeUndefined();
        expect(catalog.experiment('other')).toBeUndefined();
      }
      catalog.apply('metric|m', metric('m', 'E', 'global'));
      expect(() => catalog.apply('metric|m', JSON.stringify({ id: 'm', type: 'value', event: 'E' }))).toThrow('value_path: is required');
      expect(catalog.metricsForEvent('E')).toEqual([]);
      expect(catalog.metricsFor('any')).toEqual([]);
    });
  });
});

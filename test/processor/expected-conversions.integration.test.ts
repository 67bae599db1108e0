import { metricContribution, parseMetricDefinition } from '@abtest/definitions';
import { expectedConversionsFromPostgres, type ExpectedConversions, type ReferenceMetric } from './expected-conversions';
import { generateConversionEvents, splitStream } from './generate-conversion-events';

/*
 * Guards the reference itself: a handful of hand-written events whose figures
 * are worked out by hand below, then the generated stream's own invariants.
 * Needs only PostgreSQL (PG_URL).
 */

const at = (hhmm: string): string => `2026-11-01T${hhmm}:00.000Z`;
let n = 0;
const track = (event: string, ids: Record<string, string>, time: string, properties: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 'track',
  event,
  ...ids,
  messageId: `hand-${++n}`,
  timestamp: at(time),
  properties,
  ...extra,
});
const identify = (ids: Record<string, string>, time: string, traits: Record<string, unknown>): Record<string, unknown> => ({ type: 'identify', ...ids, messageId: `hand-${++n}`, timestamp: at(time), traits });
const ios = { context: { os: { name: 'iOS' }, device: { type: 'mobile' } } };
const specView = (ids: Record<string, string>, time: string, experiment: string, variant: string, extra: Record<string, unknown> = {}) =>
  track('Experiment Viewed', ids, time, { experiment_id: experiment, experiment_name: `${experiment} name`, variation_id: variant, variation_name: `${variant} name` }, extra);

const metrics: ReferenceMetric[] = [
  { id: 'signup', type: 'conversion', event: 'Signed Up', filters: [], value_path: null, cap: null, scope: 'global' },
  { id: 'revenue', type: 'value', event: 'Order Completed', filters: [], value_path: 'properties.revenue', cap: 100, scope: 'local' },
  { id: 'usd-orders', type: 'conversion', event: 'Order Completed', filters: [{ path: 'properties.currency', op: 'eq', value: 'USD' }], value_path: null, cap: null, scope: 'local' },
];
const experiments = [
  { id: 'exp-hand', metrics: ['revenue', 'usd-orders'] },
  { id: 'exp-other', metrics: [] },
];
const dimensions = ['context.os.name', 'context.device.type', 'traits.plan'];

/** In arrival order. */
function handEvents(): Array<Record<string, unknown>> {
  const a1 = { anonymousId: 'a1' };
  const order4 = track('Order Completed', a1, '10:05', { revenue: 80, currency: 'USD' });
  const a2 = { anonymousId: 'a2' };
  const a6 = { anonymousId: 'a6' };
  return [
    identify(a1, '09:58', { plan: 'business' }),
    specView(a1, '10:00', 'exp-other', 'X', ios),
    track('Signed Up', a1, '10:01'), // before the exp-hand exposure (10:02), after the exp-other one (10:00)
    specView(a1, '10:02', 'exp-hand', 'A', ios),
    order4,
    track('Order Completed', a1, '10:06', { revenue: 70, currency: 'EUR' }),
    { ...order4, properties: { revenue: 9999, currency: 'USD' } }, // resent: the first arrival wins
    identify({ anonymousId: 'a1', userId: 'u1' }, '10:07', { plan: 'consumer' }), // link u1 → a1; traits after the exposure
    track('Order Completed', { userId: 'u1' }, '10:08', { revenue: '12', currency: 'USD' }), // a1; revenue not a number
    track('Signed Up', { userId: 'u1' }, '10:09'), // a1
    // a2: the later exposure (B) arrives first, then a purchase, then the earlier exposure (A), which wins.
    track('Experiment Viewed', a2, '10:20', { experimentName: 'exp-hand', variationName: 'B' }, { context: { os: { name: 'Android' }, device: { type: 'mobile' } } }),
    track('Order Completed', a2, '10:12', { revenue: 30, currency: 'USD' }),
    specView(a2, '10:10', 'exp-hand', 'A', { context: { os: { name: 'Android' }, device: { type: 'tablet' } } }),
    track('Order Completed', a2, '10:09', { revenue: 1000, currency: 'USD' }), // before the exposure
    // a3: no context; aliased; server-side purchases.
    specView({ anonymousId: 'a3' }, '10:30', 'exp-hand', 'B'),
    { type: 'alias', previousId: 'a3', userId: 'u3', messageId: `hand-${++n}`, timestamp: at('10:31') },
    track('Order Completed', { userId: 'u3' }, '10:32', { revenue: 250, currency: 'USD' }), // capped at 100
    track('Order Completed', { userId: 'u3' }, '10:33', { revenue: null, currency: 'USD' }),
    // u1 logs in on a second device: the link is ignored, u1 stays a1.
    identify({ anonymousId: 'a4', userId: 'u1' }, '10:40', { plan: 'business' }),
    track('Order Completed', { userId: 'u1' }, '10:41', { revenue: 5, currency: 'USD' }), // a1
    track('Signed Up', { userId: 'u5' }, '10:42'), // never linked: its own person, not exposed
    track('Signed Up', a6, '10:49'), // before the exposure
    specView(a6, '10:50', 'exp-hand', 'B', { context: { os: { name: 'Windows' }, device: { type: 'desktop' } } }),
    identify(a6, '10:45', { plan: 'business' }), // sent before the exposure, received after it
  ];
}

const figures = (metric_id: string, persons_converted: number, event_count: number, sum: number, sum_squares: number) => ({ metric_id, persons_converted, event_count, sum, sum_squares });

function breakdown(result: ExpectedConversions, experiment_id: string, dimension: string, value: string, variant_id: string) {
  return result.breakdowns.find((b) => b.experiment_id === experiment_id && b.dimension === dimension && b.value === value && b.variant_id === variant_id);
}

describe('Conversion reference (PostgreSQL)', () => {
  it('should compute the hand-worked figures of the attribution rules', async () => {
    const result = await expectedConversionsFromPostgres(handEvents(), metrics, { dimensions, experiments });

    expect(result.variants).toEqual([
      {
        experiment_id: 'exp-hand',
        variant_id: 'A',
        persons: 2, // a1; a2 (its earliest exposure, arrived late)
        metrics: [
          figures('signup', 1, 1, 1, 1), // a1's userId-only 10:09; not the 10:01 before its exposure
          figures('revenue', 2, 4, 130, 100 * 100 + 30 * 30), // a1: 80 + 70 + 5 (u1) capped at 100 ("12" not counted, the resend ignored); a2: 30 (not the 10:09 1000)
          figures('usd-orders', 2, 4, 2, 2), // a1: 10:05, "12" at 10:08, 10:41; a2: 10:12
        ],
      },
      {
        experiment_id: 'exp-hand',
        variant_id: 'B',
        persons: 2, // a3, a6
        metrics: [
          figures('signup', 0, 0, 0, 0), // a6 signed up before its exposure
          figures('revenue', 1, 1, 100, 100 * 100), // a3 via u3: 250 capped; the null not counted
          figures('usd-orders', 1, 2, 1, 1),
        ],
      },
      {
        experiment_id: 'exp-other',
        variant_id: 'X',
        persons: 1,
        metrics: [figures('signup', 1, 2, 1, 1)], // 10:01 and 10:09 are both after 10:00; local metrics not listed
      },
    ]);
    expect(result.variantSwitchers).toEqual(
      new Map([
        ['exp-hand', 1],
        ['exp-other', 0],
      ]),
    );

    const persons = (experiment: string, dimension: string, value: string, variant: string) => breakdown(result, experiment, dimension, value, variant)?.persons;
    expect(persons('exp-hand', 'context.os.name', 'iOS', 'A')).toBe(1);
    expect(persons('exp-hand', 'context.os.name', 'Android', 'A')).toBe(1);
    expect(persons('exp-hand', 'context.os.name', 'unknown', 'B')).toBe(1);
    expect(persons('exp-hand', 'context.os.name', 'Windows', 'B')).toBe(1);
    expect(persons('exp-hand', 'context.device.type', 'tablet', 'A')).toBe(1); // a2's assigning exposure, not its first to arrive
    expect(persons('exp-hand', 'context.device.type', 'mobile', 'A')).toBe(1);
    expect(persons('exp-hand', 'context.device.type', 'mobile', 'B')).toBeUndefined();
    expect(persons('exp-hand', 'traits.plan', 'business', 'A')).toBe(1); // a1: identified before; the later 'consumer' does not move it
    expect(persons('exp-hand', 'traits.plan', 'unknown', 'A')).toBe(1);
    expect(persons('exp-hand', 'traits.plan', 'unknown', 'B')).toBe(2); // a6's identify arrived after its exposure
    expect(persons('exp-other', 'traits.plan', 'business', 'X')).toBe(1);
    expect(breakdown(result, 'exp-hand', 'traits.plan', 'business', 'A')?.metrics).toEqual([figures('signup', 1, 1, 1, 1), figures('revenue', 1, 3, 100, 10000), figures('usd-orders', 1, 3, 1, 1)]);
    expect(breakdown(result, 'exp-hand', 'traits.plan', 'unknown', 'B')?.metrics).toEqual([figures('signup', 0, 0, 0, 0), figures('revenue', 1, 1, 100, 10000), figures('usd-orders', 1, 2, 1, 1)]);
    expect(result.breakdowns).toHaveLength(3 /* exp-other */ + 4 + 4 + 3);
  });

  it('should count events without a numeric value when asked to read "do not count" as "add nothing"', async () => {
    const result = await expectedConversionsFromPostgres(handEvents(), metrics, { dimensions: [], experiments, nonNumericValues: 'counted_without_value' });
    const revenue = (variant: string) => result.variants.find((v) => v.experiment_id === 'exp-hand' && v.variant_id === variant)?.metrics.find((m) => m.metric_id === 'revenue');
    expect(revenue('A')).toEqual(figures('revenue', 2, 5, 130, 10900));
    expect(revenue('B')).toEqual(figures('revenue', 1, 2, 100, 10000));
    expect(result.breakdowns).toEqual([]);
  });

  it('should translate every filter op', async () => {
    const ids = { anonymousId: 'f1' };
    const events = [
      specView(ids, '10:00', 'exp-f', 'A'),
      track('Order Completed', ids, '10:01', { items: 3, plan: 'pro', coupon: 'X' }),
      track('Order Completed', ids, '10:02', { items: 1, plan: 'free', coupon: null }),
      track('Order Completed', ids, '10:03', { items: '5', plan: 'pro' }),
    ];
    const metric = (id: string, filter: ReferenceMetric['filters'][number]) => parseMetricDefinition({ id, type: 'conversion', event: 'Order Completed', filters: [filter], scope: 'global' });
    const all = [
      metric('eq', { path: 'properties.plan', op: 'eq', value: 'pro' }), // 1, 3
      metric('neq', { path: 'properties.plan', op: 'neq', value: 'pro' }), // 2
      metric('neq-missing', { path: 'properties.channel', op: 'neq', value: 'web' }), // 1, 2, 3
      metric('in', { path: 'properties.plan', op: 'in', value: ['free', 'team'] }), // 2
      metric('gt', { path: 'properties.items', op: 'gt', value: 1 }), // 1 (the string "5" is not a number)
      metric('gte', { path: 'properties.items', op: 'gte', value: 1 }), // 1, 2
      metric('lt', { path: 'properties.items', op: 'lt', value: 3 }), // 2
      metric('lte', { path: 'properties.items', op: 'lte', value: 3 }), // 1, 2
      metric('exists', { path: 'properties.coupon', op: 'exists', value: true }), // 1 (a JSON null is not there)
      metric('not-exists', { path: 'properties.coupon', op: 'exists', value: false }), // 2, 3
      metric('eq-null', { path: 'properties.coupon', op: 'eq', value: null }), // 2
      metric('eq-number', { path: 'properties.items', op: 'eq', value: 3.0 }), // 1
    ];
    const result = await expectedConversionsFromPostgres(events, all, { dimensions: [] });
    const counts = Object.fromEntries(result.variants[0]!.metrics.map((m) => [m.metric_id, m.event_count]));
    // The SQL agrees with the definitions package's own reading of the filters.
    expect(counts).toEqual(Object.fromEntries(all.map((m) => [m.id, events.filter((e) => metricContribution(m, e) !== undefined).length])));
    expect(counts).toEqual({
      eq: 2,
      neq: 1,
      'neq-missing': 3,
      in: 1,
      gt: 1,
      gte: 2,
      lt: 1,
      lte: 2,
      exists: 1,
      'not-exists': 2,
      'eq-null': 1,
      'eq-number': 1,
    });
  });

  it('should compute the hand-worked CUPED sums: whole UTC days of the window before the exposure day, capped, X = 0 without activity', async () => {
    const on = (iso: string) => `${iso}:00.000Z`;
    const cupedTrack = (event: string, person: string, time: string, properties: Record<string, unknown> = {}) => ({ type: 'track', event, anonymousId: person, messageId: `hand-${++n}`, timestamp: on(time), properties });
    const view = (person: string, variant: string) => cupedTrack('Experiment Viewed', person, '2026-11-01T10:00', { experiment_id: 'exp-cuped', variation_id: variant });
    const order = (person: string, time: string, revenue: unknown) => cupedTrack('Order Completed', person, time, { revenue });
    const cupedMetrics: ReferenceMetric[] = [
      { id: 'signup', type: 'conversion', event: 'Signed Up', filters: [], value_path: null, cap: null, scope: 'global', cuped: { window: 7 * 86_400_000 } },
      { id: 'revenue', type: 'value', event: 'Order Completed', filters: [], value_path: 'properties.revenue', cap: 100, scope: 'local', cuped: { window: 2 * 86_400_000 } },
    ];
    const events = [
      order('c1', '2026-10-30T12:00', 40), // day -2: in the 2-day window
      order('c1', '2026-10-29T23:59', 500), // day -3: outside
      order('c1', '2026-11-01T01:00', 7), // the exposure day, before the exposure: neither X nor Y
      cupedTrack('Signed Up', 'c1', '2026-10-25T00:00'), // day -7: in the 7-day window
      view('c1', 'A'),
      order('c1', '2026-11-01T11:00', 30),
      order('c2', '2026-10-31T05:00', 150), // X capped at 100
      cupedTrack('Signed Up', 'c2', '2026-10-24T23:00'), // day -8: outside
      view('c2', 'A'),
      order('c2', '2026-11-01T11:00', 60),
      order('c2', '2026-11-02T09:00', 60), // Y = 120 capped at 100
      cupedTrack('Signed Up', 'c2', '2026-11-01T12:00'),
      view('c3', 'B'), // no activity before: X = 0
      order('c3', '2026-11-01T10:30', 20),
      view('c4', 'B'),
      order('c4', '2026-10-31T08:00', '12'), // not a number: not counted
      order('c4', '2026-10-31T09:00', 10), // arrives after the exposure: still X
    ];
    const result = await expectedConversionsFromPostgres(events, cupedMetrics, { dimensions: [], experiments: [{ id: 'exp-cuped', metrics: ['revenue'] }] });
    const sums = (variant: string, metric: string) => result.variants.find((v) => v.variant_id === variant)?.metrics.find((m) => m.metric_id === metric)?.cuped;
    expect(sums('A', 'revenue')).toEqual({ sum_x: 40 + 100, sum_x_squares: 40 * 40 + 100 * 100, sum_xy: 40 * 30 + 100 * 100 });
    expect(sums('A', 'signup')).toEqual({ sum_x: 1, sum_x_squares: 1, sum_xy: 0 });
    expect(sums('B', 'revenue')).toEqual({ sum_x: 10, sum_x_squares: 100, sum_xy: 0 });
    expect(sums('B', 'signup')).toEqual({ sum_x: 0, sum_x_squares: 0, sum_xy: 0 });
  });

  it('should hold the generated stream to its own bookkeeping', async () => {
    const stream = generateConversionEvents({ seed: 7 });
    expect(generateConversionEvents({ seed: 7 }).events).toEqual(stream.events);
    const s = stream.situations;
    for (const [name, count] of Object.entries(s)) {
      if (typeof count === 'number') expect({ name, positive: count > 0 }).toEqual({ name, positive: true });
    }
    expect(s.maxArrivalDelayMs).toBeLessThan(45 * 60_000);

    // The reference's identity assumption: a userId's first link arrives before, or within 15 minutes after, its userId-only events.
    const firstLink = new Map<string, number>();
    stream.events.forEach((e, i) => {
      const userId = e.userId as string | undefined;
      if (userId && (e.anonymousId || e.type === 'alias') && !firstLink.has(userId)) firstLink.set(userId, stream.arrivedAt[i]!);
    });
    let userIdOnly = 0;
    stream.events.forEach((e, i) => {
      const link = firstLink.get(e.userId as string);
      if (e.anonymousId || link === undefined) return;
      userIdOnly++;
      expect(link - stream.arrivedAt[i]!).toBeLessThanOrEqual(15 * 60_000);
    });
    expect(userIdOnly).toBeGreaterThan(100);

    const { before, after } = splitStream(stream.events);
    expect([...before, ...after]).toEqual(stream.events);

    const started = Date.now();
    const result = await expectedConversionsFromPostgres(stream.events, [...stream.metrics, stream.midStreamMetric], { dimensions: stream.dimensions, experiments: stream.experiments });
    expect(Date.now() - started).toBeLessThan(30_000);

    const switchers = [...result.variantSwitchers.values()].reduce((a, b) => a + b, 0);
    expect(switchers).toBe(s.variantSwitchers);
    for (const experiment of stream.experiments) {
      const variants = result.variants.filter((v) => v.experiment_id === experiment.id);
      expect(variants.map((v) => v.variant_id).sort()).toEqual(experiment.variants.map((v) => v.id).sort());
      const total = variants.reduce((sum, v) => sum + v.persons, 0);
      for (const dimension of stream.dimensions) {
        const rows = result.breakdowns.filter((b) => b.experiment_id === experiment.id && b.dimension === dimension);
        expect(rows.reduce((sum, b) => sum + b.persons, 0)).toBe(total);
      }
      const reported = new Set([...stream.metrics, stream.midStreamMetric].filter((m) => m.scope === 'global' || experiment.metrics.includes(m.id)).map((m) => m.id));
      for (const v of variants) {
        expect(new Set(v.metrics.map((m) => m.metric_id))).toEqual(reported);
        for (const m of v.metrics) {
          expect(m.persons_converted).toBeGreaterThan(0);
          expect(m.persons_converted).toBeLessThanOrEqual(v.persons);
          expect(m.event_count).toBeGreaterThanOrEqual(m.persons_converted);
        }
      }
    }
    // The cap binds: without it the revenue sums are larger.
    const revenue = stream.metrics.find((m) => m.type === 'value')!;
    const uncapped = await expectedConversionsFromPostgres(stream.events, [{ ...revenue, cap: null }], { dimensions: [] });
    const sumOf = (r: ExpectedConversions) => r.variants.flatMap((v) => v.metrics.filter((m) => m.metric_id === revenue.id)).reduce((sum, m) => sum + m.sum, 0);
    expect(sumOf(uncapped)).toBeGreaterThan(sumOf(result) + 1000);
  });
});

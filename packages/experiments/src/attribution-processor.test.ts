import { DefinitionsCatalog } from '@abtest/definitions';
import { AttributionProcessor, PERSONS_STORE } from './attribution-processor';
import { emptyDelta, mergeDelta, type ExperimentDelta } from './delta';
import { ProcessorDriver } from './testing/processor-driver';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 26, 10);
const iso = (ms: number): string => new Date(ms).toISOString();

function catalog(): DefinitionsCatalog {
  const definitions = new DefinitionsCatalog();
  definitions.apply('metric|signup', JSON.stringify({ id: 'signup', type: 'conversion', event: 'Signed Up', scope: 'global' }));
  definitions.apply('metric|revenue', JSON.stringify({ id: 'revenue', type: 'value', event: 'Order Completed', value_path: 'properties.revenue', cap: 100, scope: 'global' }));
  return definitions;
}

let messageCounter = 0;
const view = (person: string, variant: string, time: number, extra: Record<string, unknown> = {}) => ({
  type: 'track',
  event: 'Experiment Viewed',
  messageId: `m${messageCounter++}`,
  anonymousId: person,
  timestamp: iso(time),
  properties: { experiment_id: 'exp', variation_id: variant },
  context: { os: { name: 'iOS' }, device: { type: 'mobile' } },
  ...extra,
});
const track = (person: string, event: string, time: number, properties: Record<string, unknown> = {}) => ({ type: 'track', event, messageId: `m${messageCounter++}`, anonymousId: person, timestamp: iso(time), properties });

/** Runs events (in arrival order, one second apart) and sums everything forwarded, as the by-experiment repartition does. */
function run(events: Array<Record<string, unknown>>, definitions = catalog()): { total: ExperimentDelta; driver: ProcessorDriver<Record<string, unknown>> } {
  const driver = new ProcessorDriver(new AttributionProcessor({ definitions, graceMs: HOUR, dimensions: ['context.os.name', 'traits.plan'] }), [PERSONS_STORE]);
  const total = emptyDelta('exp', 'exp');
  events.forEach((event, i) => {
    for (const output of driver.pipe(event.anonymousId as string, event, T0 + 2 * HOUR + i * 1000)) mergeDelta(total, output.value as ExperimentDelta);
  });
  return { total, driver };
}

const figures = (total: ExperimentDelta, variant: string, metric: string) => total.variants[variant]?.metrics[metric];

describe('AttributionProcessor', () => {
  it('assigns by the first exposure and counts only events at or after it', () => {
    const { total } = run([track('p1', 'Signed Up', T0 - 1000), view('p1', 'A', T0), track('p1', 'Signed Up', T0 + 1000), track('p1', 'Signed Up', T0 + 2000), view('p2', 'B', T0)]);
    expect(total.variants.A?.persons).toBe(1);
    expect(total.variants.B?.persons).toBe(1);
    expect(figures(total, 'A', 'signup')).toMatchObject({ persons_converted: 1, event_count: 2, sum: 1, sum_squares: 1 });
    expect(figures(total, 'B', 'signup') ?? { persons_converted: 0 }).toMatchObject({ persons_converted: 0 });
  });

  it('gives the in-order result when a conversion arrives before the exposure it followed', () => {
    const inOrder = run([view('p1', 'A', T0), track('p1', 'Order Completed', T0 + 5000, { revenue: 30 })]).total;
    const outOfOrder = run([track('p1', 'Order Completed', T0 + 5000, { revenue: 30 }), view('p1', 'A', T0)]).total;
    expect(figures(outOfOrder, 'A', 'revenue')).toEqual(figures(inOrder, 'A', 'revenue'));
    expect(figures(outOfOrder, 'A', 'revenue')).toMatchObject({ persons_converted: 1, event_count: 1, sum: 30, sum_squares: 900 });
  });

  it('moves a person to the variant of a late-arriving earlier exposure and counts them once as a switcher', () => {
    const { total } = run([view('p1', 'B', T0 + 10_000), track('p1', 'Signed Up', T0 + 5000), view('p1', 'A', T0)]);
    expect(total.variants.A?.persons).toBe(1);
    expect(total.variants.B?.persons ?? 0).toBe(0);
    expect(figures(total, 'A', 'signup')).toMatchObject({ persons_converted: 1, event_count: 1 });
    expect(figures(total, 'B', 'signup')?.persons_converted ?? 0).toBe(0);
    expect(total.variant_switchers).toBe(1);
    expect(total.variants.A?.unique_views).toBe(1);
    expect(total.variants.B?.unique_views).toBe(1);
  });

  it('caps a person total and keeps the sum of squares of the capped totals', () => {
    const { total } = run([view('p1', 'A', T0), track('p1', 'Order Completed', T0 + 1, { revenue: 80 }), track('p1', 'Order Completed', T0 + 2, { revenue: 70 }), view('p2', 'A', T0), track('p2', 'Order Completed', T0 + 3, { revenue: 'n/a' })]);
    expect(figures(total, 'A', 'revenue')).toMatchObject({ persons_converted: 1, event_count: 2, sum: 100, sum_squares: 10_000 });
    expect(total.variants.A?.persons).toBe(2);
  });

  it('fixes breakdown dimensions at the exposure, traits from an earlier identify', () => {
    const identify = { type: 'identify', messageId: 'id-1', anonymousId: 'p1', userId: 'u1', traits: { plan: 'business' }, timestamp: iso(T0 - 10) };
    const { total } = run([identify, view('p1', 'A', T0), track('p1', 'Signed Up', T0 + 1), view('p2', 'A', T0, { context: { os: { name: 'Android' } } })]);
    expect(total.breakdowns['context.os.name\u0000iOS\u0000A']).toMatchObject({ persons: 1, metrics: { signup: { persons_converted: 1 } } });
    expect(total.breakdowns['context.os.name\u0000Android\u0000A']).toMatchObject({ persons: 1 });
    expect(total.breakdowns['traits.plan\u0000business\u0000A']).toMatchObject({ persons: 1 });
    expect(total.breakdowns['traits.plan\u0000unknown\u0000A']).toMatchObject({ persons: 1 });
  });

  it('puts persons in the hour of their exposure and conversions in the hour of their events', () => {
    const { total } = run([view('p1', 'A', T0 + 10), track('p1', 'Order Completed', T0 + HOUR + 5, { revenue: 10 }), track('p1', 'Order Completed', T0 + 2 * HOUR + 5, { revenue: 5 })]);
    expect(total.series[`${T0}\u0000A`]).toMatchObject({ persons: 1 });
    expect(total.series[`${T0 + HOUR}\u0000A`]?.metrics.revenue).toEqual({ persons_converted: 1, event_count: 1, sum: 10 });
    expect(total.series[`${T0 + 2 * HOUR}\u0000A`]?.metrics.revenue).toEqual({ persons_converted: 0, event_count: 1, sum: 5 });
  });

  it('counts a metric defined mid-stream from then on, without replaying earlier events', () => {
    const definitions = catalog();
    const driver = new ProcessorDriver(new AttributionProcessor({ definitions, graceMs: HOUR, dimensions: [] }), [PERSONS_STORE]);
    const total = emptyDelta('exp', 'exp');
    const pipe = (event: Record<string, unknown>, at: number) => driver.pipe(event.anonymousId as string, event, at).forEach((o) => mergeDelta(total, o.value as ExperimentDelta));
    pipe(view('p1', 'A', T0), T0);
    pipe(track('p1', 'Invited Friend', T0 + 1), T0 + 1);
    definitions.apply('metric|invite', JSON.stringify({ id: 'invite', type: 'conversion', event: 'Invited Friend', scope: 'global' }));
    pipe(track('p1', 'Invited Friend', T0 + 2), T0 + 2);
    expect(figures(total, 'A', 'invite')).toMatchObject({ persons_converted: 1, event_count: 1 });
  });

  it('ignores events that are neither experiment, identify nor metric events, without reading or touching state', () => {
    const definitions = catalog();
    const processor = new AttributionProcessor({ definitions, graceMs: HOUR, dimensions: [] });
    const record = (value: Record<string, unknown>) => ({ key: 'p9', value, timestamp: T0, headers: {}, topic: 'events', partition: 0, offset: '0' });
    expect(processor.prefetch(record(track('p9', 'Page Scrolled', T0)))).toEqual([]);
    expect(processor.prefetch(record(track('p9', 'Signed Up', T0)))).toEqual([{ store: PERSONS_STORE, key: 'p9' }]);
    const { driver } = run([track('p9', 'Page Scrolled', T0)]);
    expect(driver.stores.get(PERSONS_STORE)?.size).toBe(0);
  });

  it('forwards one delta per experiment for a batch, equal to the sum of the per-event deltas and carrying the newest receive time', () => {
    const events = [view('p1', 'A', T0), track('p1', 'Order Completed', T0 + 5000, { revenue: 30 }), view('p2', 'B', T0 + 1000), { ...view('p1', 'A', T0 + 9000), receivedAt: iso(T0 + 3 * HOUR) }, view('p3', 'B', T0 + 2000)];
    const perEvent = run(events).total;
    const driver = new ProcessorDriver(new AttributionProcessor({ definitions: catalog(), graceMs: HOUR, dimensions: ['context.os.name', 'traits.plan'] }), [PERSONS_STORE]);
    const forwarded = driver.pipeBatch(events.map((event, i) => ({ key: event.anonymousId, value: event, timestamp: T0 + 2 * HOUR + i * 1000 })));
    expect(forwarded.map((f) => f.key)).toEqual(['exp']);
    const batched = forwarded[0]?.value as ExperimentDelta;
    expect(batched.variants).toEqual(perEvent.variants);
    expect(batched.breakdowns).toEqual(perEvent.breakdowns);
    expect(batched.series).toEqual(perEvent.series);
    expect(batched.last_received_at).toBe(T0 + 3 * HOUR);
    expect(batched.variants.A).toMatchObject({ total_views: 2, unique_views: 1, persons: 1 });
  });
});

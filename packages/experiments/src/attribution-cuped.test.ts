import { DefinitionsCatalog } from '@abtest/definitions';
import { AttributionProcessor, PERSONS_STORE } from './attribution-processor';
import { emptyDelta, mergeDelta, type ExperimentDelta } from './delta';
import type { PersonState } from './person-state';
import { ProcessorDriver } from './testing/processor-driver';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Exposures happen on this day, at 10:00 UTC. */
const EXPOSURE = Date.UTC(2026, 10, 26, 10);
const iso = (ms: number): string => new Date(ms).toISOString();

function catalog(revenueCuped: unknown = { window: '7d' }): DefinitionsCatalog {
  const definitions = new DefinitionsCatalog();
  definitions.apply('metric|revenue', JSON.stringify({ id: 'revenue', type: 'value', event: 'Order Completed', value_path: 'properties.revenue', cap: 100, scope: 'global', cuped: revenueCuped }));
  definitions.apply('metric|signup', JSON.stringify({ id: 'signup', type: 'conversion', event: 'Signed Up', scope: 'global', cuped: { window: '3d' } }));
  definitions.apply('metric|visits', JSON.stringify({ id: 'visits', type: 'conversion', event: 'Visited', scope: 'global' }));
  return definitions;
}

let messageCounter = 0;
const view = (person: string, variant: string, time: number) => ({
  type: 'track',
  event: 'Experiment Viewed',
  messageId: `m${messageCounter++}`,
  anonymousId: person,
  timestamp: iso(time),
  properties: { experiment_id: 'exp', variation_id: variant },
});
const order = (person: string, time: number, revenue: number) => ({ type: 'track', event: 'Order Completed', messageId: `m${messageCounter++}`, anonymousId: person, timestamp: iso(time), properties: { revenue } });
const signup = (person: string, time: number) => ({ type: 'track', event: 'Signed Up', messageId: `m${messageCounter++}`, anonymousId: person, timestamp: iso(time), properties: {} });

function run(events: Array<Record<string, unknown>>, definitions = catalog()): { total: ExperimentDelta; driver: ProcessorDriver<Record<string, unknown>> } {
  const driver = new ProcessorDriver(new AttributionProcessor({ definitions, graceMs: HOUR, dimensions: ['context.os.name'] }), [PERSONS_STORE]);
  const total = emptyDelta('exp', 'exp');
  events.forEach((event, i) => {
    for (const output of driver.pipe(event.anonymousId as string, event, EXPOSURE + 2 * HOUR + i * 1000)) mergeDelta(total, output.value as ExperimentDelta);
  });
  return { total, driver };
}

const sums = (total: ExperimentDelta, variant: string, metric: string) => total.variants[variant]?.metrics[metric]?.cuped;

describe('AttributionProcessor with CUPED', () => {
  it("should take as covariate the metric over the window's whole days before the exposure day, capped like the total", () => {
    const { total } = run([
      order('p1', EXPOSURE - 8 * DAY, 1000), // before the 7-day window
      order('p1', EXPOSURE - 7 * DAY, 20), // first day of the window (the exposure day minus 7, 10:00)
      order('p1', EXPOSURE - DAY - 9 * HOUR, 30), // last day of the window, 01:00
      order('p1', EXPOSURE - HOUR, 500), // the exposure day before the exposure: neither X nor Y
      view('p1', 'A', EXPOSURE),
      order('p1', EXPOSURE + HOUR, 40),
      order('p2', EXPOSURE - 2 * DAY, 150), // X = 150, capped at 100
      view('p2', 'A', EXPOSURE),
      view('p3', 'A', EXPOSURE), // no activity: X = 0, still a person
    ]);
    expect(total.variants.A?.persons).toBe(3);
    expect(total.variants.A?.metrics.revenue).toMatchObject({ sum: 40, sum_squares: 1600 });
    // X: p1 50, p2 100, p3 0; Y: p1 40, p2 0, p3 0.
    expect(sums(total, 'A', 'revenue')).toEqual({ sum_x: 150, sum_x_squares: 2500 + 10_000, sum_xy: 50 * 40 });
  });

  it('should make a conversion covariate 0/1 and give no CUPED sums to a metric without a window', () => {
    const { total } = run([signup('p1', EXPOSURE - DAY), signup('p1', EXPOSURE - 2 * DAY), signup('p2', EXPOSURE - 4 * DAY), view('p1', 'A', EXPOSURE), view('p2', 'A', EXPOSURE), signup('p1', EXPOSURE + 1)]);
    expect(sums(total, 'A', 'signup')).toEqual({ sum_x: 1, sum_x_squares: 1, sum_xy: 1 });
    expect(sums(total, 'A', 'visits')).toBeUndefined();
  });

  it('should update the covariate for a pre-exposure event that arrives after the exposure, and only within the window', () => {
    const inOrder = run([order('p1', EXPOSURE - 3 * DAY, 25), view('p1', 'A', EXPOSURE), order('p1', EXPOSURE + HOUR, 10)]).total;
    const late = run([view('p1', 'A', EXPOSURE), order('p1', EXPOSURE + HOUR, 10), order('p1', EXPOSURE - 3 * DAY, 25), order('p1', EXPOSURE - 9 * DAY, 60)]).total;
    expect(sums(late, 'A', 'revenue')).toEqual({ sum_x: 25, sum_x_squares: 625, sum_xy: 250 });
    expect(sums(late, 'A', 'revenue')).toEqual(sums(inOrder, 'A', 'revenue'));
  });

  it("should recompute the covariate when an earlier exposure (by event time) moves the person to another day's window", () => {
    const { total } = run([order('p1', EXPOSURE - 2 * DAY, 30), order('p1', EXPOSURE - DAY + HOUR, 7), view('p1', 'B', EXPOSURE), view('p1', 'A', EXPOSURE - DAY)]);
    expect(total.variants.B?.persons ?? 0).toBe(0);
    expect(sums(total, 'B', 'revenue') ?? { sum_x: 0, sum_x_squares: 0, sum_xy: 0 }).toEqual({ sum_x: 0, sum_x_squares: 0, sum_xy: 0 });
    // Exposed a day earlier: X is the order of the day before the new exposure day; the other order now follows the exposure (Y = 7).
    expect(sums(total, 'A', 'revenue')).toEqual({ sum_x: 30, sum_x_squares: 900, sum_xy: 210 });
  });

  it('should keep the daily activity of persons never exposed, bounded by the window, in a few bytes', () => {
    const events = Array.from({ length: 40 }, (_, day) => order('p1', EXPOSURE - (40 - day) * DAY, 9.99));
    const { driver } = run(events);
    const person = driver.stores.get(PERSONS_STORE)?.get('p1') as PersonState;
    expect(person.p?.revenue).toHaveLength(2 * (7 + 2));
    expect(JSON.stringify({ p: person.p }).length).toBeLessThanOrEqual(100);
    // Exposed now, their covariate is the last 7 days: 7 orders.
    const exposed = run([...events, view('p1', 'A', EXPOSURE)]).total;
    expect(sums(exposed, 'A', 'revenue')?.sum_x).toBeCloseTo(7 * 9.99, 9);
  });

  it('should give persons assigned before the window existed X = 0, consistently with later changes', () => {
    const definitions = catalog(null);
    const driver = new ProcessorDriver(new AttributionProcessor({ definitions, graceMs: HOUR, dimensions: [] }), [PERSONS_STORE]);
    const total = emptyDelta('exp', 'exp');
    const pipe = (event: Record<string, unknown>, at: number) => driver.pipe(event.anonymousId as string, event, at).forEach((o) => mergeDelta(total, o.value as ExperimentDelta));
    pipe(order('p1', EXPOSURE - DAY, 10), EXPOSURE);
    pipe(view('p1', 'A', EXPOSURE), EXPOSURE + 1);
    definitions.apply('metric|revenue', JSON.stringify({ id: 'revenue', type: 'value', event: 'Order Completed', value_path: 'properties.revenue', scope: 'global', cuped: { window: '7d' } }));
    pipe(order('p1', EXPOSURE + HOUR, 5), EXPOSURE + 2);
    expect(total.variants.A?.metrics.revenue).toMatchObject({ sum: 5, cuped: { sum_x: 0, sum_x_squares: 0, sum_xy: 0 } });
  });
});

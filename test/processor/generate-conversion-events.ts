import { parseExperimentDefinition, parseMetricDefinition, type ExperimentDefinition, type MetricDefinition } from '@abtest/definitions';
import { seededRandom } from './generate-events';

/*
 * A realistic Segment event stream for the conversion-metric tests: every
 * situation of the attribution rules in packages/experiments/README.md, with
 * the counts of each in `situations`. Everything but the `runId` prefix of the
 * ids follows from the seed. Events come in ARRIVAL order (the order to post
 * them): each event arrives `timestamp + delay`, the delay a few seconds, for
 * some events (offline mobile batches) up to 15 minutes (an identify made
 * to arrive after the exposure: up to ~30), resent duplicates up to 10
 * minutes after the original, so the disorder stays well inside the 1-hour
 * grace period. Event times span about 6 hours from `start`.
 *
 * Identity links (identify with both ids, alias) of a userId arrive before,
 * or at most ~12 minutes after, the userId-only events they map, and a later
 * link of the same userId to a second device comes at least an hour after
 * the first one: expected-conversions.ts relies on both.
 */

export type SegmentEvent = Record<string, unknown>;

/** Property naming of an experiment's exposures: Segment's spec, the seed article's, or both (per event). */
export type ExposureNaming = 'spec' | 'seed' | 'mixed';

export interface ConversionStreamOptions {
  seed?: number;
  /** Default 400. */
  persons?: number;
  /** Prefix of every id (experiments, metrics, persons, messageIds); default `s<seed>`. Pass a unique one per test on a shared stack. */
  runId?: string;
  /** Start of event time (ISO); default 2026-11-01T08:00:00.000Z. */
  start?: string;
  /**
   * Add `receivedAt` = the simulated arrival time to each event, for tests that produce straight to Kafka
   * (the ingress sets its own). Default false: plain client events. Mind a processor that ages state by
   * receivedAt against the wall clock: pass a recent `start` then.
   */
  receivedAt?: boolean;
}

export interface SituationCounts {
  persons: number;
  events: number;
  exposures: { specNaming: number; seedNaming: number };
  conversionsBeforeExposure: number;
  orders: { numericRevenue: number; revenueOverCap: number; nonNumericRevenue: number };
  signups: { withPlan: number; business: number };
  resentDuplicates: number;
  purchaseArrivingBeforeItsExposure: number;
  lateEarlierExposureInOtherVariant: number;
  variantSwitchers: number;
  identifyBeforeExposure: number;
  identifyBeforeExposureArrivingAfterIt: number;
  planChangedAfterExposure: number;
  identifiedAfterExposure: number;
  userIdOnlyEventsOfLinkedPersons: number;
  linkArrivingAfterUserIdOnlyEvent: number;
  aliases: number;
  secondDeviceLinksIgnored: number;
  unlinkedUserIdOnlyEvents: number;
  userIdOnlyPersons: number;
  exposuresWithoutDeviceType: number;
  exposuresWithoutContext: number;
  os: Record<string, number>;
  deviceType: Record<string, number>;
  /** Largest arrival − timestamp over the stream (ms). */
  maxArrivalDelayMs: number;
  /** Largest lateness in event time: (latest timestamp arrived so far − timestamp) over the stream (ms). */
  maxEventTimeLatenessMs: number;
}

export interface ConversionStream {
  /** In arrival order; resent duplicates share a messageId. */
  events: SegmentEvent[];
  /** Simulated arrival time (epoch ms) of each event, same order. */
  arrivedAt: number[];
  /** Definitions (defaults filled in by @abtest/definitions), keyed as the results are: experiment_id, or experimentName in the seed naming. */
  experiments: ExperimentDefinition[];
  naming: Record<string, ExposureNaming>;
  /** The metrics installed before the stream. */
  metrics: MetricDefinition[];
  /** A metric to install between `splitStream`'s two parts. */
  midStreamMetric: MetricDefinition;
  /** The breakdown dimensions the stream has values for. */
  dimensions: string[];
  situations: SituationCounts;
}

export const CONVERSION_DIMENSIONS = ['context.os.name', 'context.device.type', 'traits.plan'];

const MINUTE = 60_000;
const REVENUE_CAP = 500;

/** Special journeys given to the first persons, so each situation occurs even in small streams. */
const FORCED = ['lateEarlier', 'purchaseBeforeExposure', 'identified', 'alias', 'secondDevice', 'linkAfter', 'identifyArrivesAfter', 'userIdOnly', 'switcher', 'preConversion', 'unlinked', 'identifyBefore'] as const;
type Forced = (typeof FORCED)[number];

/** Experiment and metric definitions of a run, validated by @abtest/definitions. */
export function conversionDefinitions(runId: string): { experiments: ExperimentDefinition[]; naming: Record<string, ExposureNaming>; metrics: MetricDefinition[]; midStreamMetric: MetricDefinition } {
  const metric = (id: string, rest: Record<string, unknown>): MetricDefinition => parseMetricDefinition({ id: `${runId}-${id}`, ...rest });
  const signup = metric('signup', { name: 'Sign-ups', type: 'conversion', event: 'Signed Up', scope: 'global' });
  const businessSignup = metric('business-signup', { name: 'Business sign-ups', type: 'conversion', event: 'Signed Up', filters: [{ path: 'properties.plan', op: 'eq', value: 'business' }] });
  // CUPED on a value and a conversion metric: a stream that crosses midnight (UTC) gives them pre-exposure days.
  const revenue = metric('revenue', { name: 'Revenue', type: 'value', event: 'Order Completed', value_path: 'properties.revenue', cap: REVENUE_CAP, cuped: { window: '1d' } });
  const bigBasket = metric('big-basket', {
    name: 'Orders of 3+ items in USD or EUR',
    type: 'conversion',
    event: 'Order Completed',
    filters: [
      { path: 'properties.items', op: 'gte', value: 3 },
      { path: 'properties.currency', op: 'in', value: ['USD', 'EUR'] },
    ],
    cuped: { window: '7d' },
  });
  const midStreamMetric = metric('coupon-revenue', {
    name: 'Revenue of coupon orders (not GBP, under 5 items)',
    type: 'value',
    event: 'Order Completed',
    filters: [
      { path: 'properties.coupon', op: 'exists', value: true },
      { path: 'properties.currency', op: 'neq', value: 'GBP' },
      { path: 'properties.items', op: 'lt', value: 5 },
    ],
    value_path: 'properties.revenue',
  });
  const checkout = `${runId}-checkout-redesign`;
  // The seed naming has no separate id: experimentName is the key (and the name).
  const pricing = `${runId}-pricing-page`;
  const onboarding = `${runId}-onboarding`;
  const experiments = [
    {
      id: checkout,
      name: 'Checkout redesign',
      variants: [
        { id: 'control', name: 'Current checkout' },
        { id: 'treatment', name: 'One-page checkout' },
      ],
      control_variant_id: 'control',
      metrics: [businessSignup.id, revenue.id, midStreamMetric.id],
    },
    {
      id: pricing,
      variants: [{ id: 'control', weight: 2 }, { id: 'annual-first' }, { id: 'monthly-first' }],
      control_variant_id: 'control',
      metrics: [revenue.id, bigBasket.id, midStreamMetric.id],
    },
    {
      id: onboarding,
      name: 'Onboarding flow',
      variants: [{ id: 'control' }, { id: 'guided' }],
      metrics: [businessSignup.id],
    },
  ].map((input) => parseExperimentDefinition(input));
  return { experiments, naming: { [checkout]: 'spec', [pricing]: 'seed', [onboarding]: 'mixed' }, metrics: [signup, businessSignup, revenue, bigBasket], midStreamMetric };
}

/** The stream (arrival order) cut at a fraction of its events: install the mid-stream metric between the parts. */
export function splitStream<T>(events: T[], fraction = 0.5): { before: T[]; after: T[] } {
  const at = Math.round(events.length * fraction);
  return { before: events.slice(0, at), after: events.slice(at) };
}

interface Pending {
  event: SegmentEvent;
  ts: number;
  arrival: number;
  seq: number;
}

export function generateConversionEvents(options: ConversionStreamOptions = {}): ConversionStream {
  const seed = options.seed ?? 1;
  const personCount = options.persons ?? 400;
  const run = options.runId ?? `s${seed}`;
  const start = Date.parse(options.start ?? '2026-11-01T08:00:00.000Z');
  const random = seededRandom(seed);
  const chance = (p: number): boolean => random() < p;
  const between = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const money = (lo: number, hi: number): number => Math.round((lo + random() * (hi - lo)) * 100) / 100;

  const { experiments, naming, metrics, midStreamMetric } = conversionDefinitions(run);
  const [checkout, pricing, onboarding] = experiments as [ExperimentDefinition, ExperimentDefinition, ExperimentDefinition];
  const s: SituationCounts = {
    persons: personCount,
    events: 0,
    exposures: { specNaming: 0, seedNaming: 0 },
    conversionsBeforeExposure: 0,
    orders: { numericRevenue: 0, revenueOverCap: 0, nonNumericRevenue: 0 },
    signups: { withPlan: 0, business: 0 },
    resentDuplicates: 0,
    purchaseArrivingBeforeItsExposure: 0,
    lateEarlierExposureInOtherVariant: 0,
    variantSwitchers: 0,
    identifyBeforeExposure: 0,
    identifyBeforeExposureArrivingAfterIt: 0,
    planChangedAfterExposure: 0,
    identifiedAfterExposure: 0,
    userIdOnlyEventsOfLinkedPersons: 0,
    linkArrivingAfterUserIdOnlyEvent: 0,
    aliases: 0,
    secondDeviceLinksIgnored: 0,
    unlinkedUserIdOnlyEvents: 0,
    userIdOnlyPersons: 0,
    exposuresWithoutDeviceType: 0,
    exposuresWithoutContext: 0,
    os: {},
    deviceType: {},
    maxArrivalDelayMs: 0,
    maxEventTimeLatenessMs: 0,
  };

  const pending: Pending[] = [];
  let seq = 0;
  /** A few seconds, now and then (offline batches) up to 15 minutes. */
  const usualDelay = (): number => (chance(0.06) ? between(MINUTE, 12 * MINUTE) : between(200, 20_000));
  const emit = (body: SegmentEvent, ts: number, delay = usualDelay()): Pending => {
    const event: SegmentEvent = { ...body, messageId: `${run}-m${seq}`, timestamp: new Date(ts).toISOString() };
    const item = { event, ts, arrival: ts + delay, seq: seq++ };
    pending.push(item);
    return item;
  };

  const weightedVariant = (experiment: ExperimentDefinition): string => {
    const total = experiment.variants.reduce((sum, v) => sum + v.weight, 0);
    let x = random() * total;
    for (const v of experiment.variants) {
      x -= v.weight;
      if (x < 0) return v.id;
    }
    return experiment.control_variant_id;
  };
  const exposureProperties = (experiment: ExperimentDefinition, variantId: string, isView = true): SegmentEvent => {
    const spec = naming[experiment.id] === 'spec' || (naming[experiment.id] === 'mixed' && chance(0.5));
    if (isView && spec) s.exposures.specNaming++;
    else if (isView) s.exposures.seedNaming++;
    const variant = experiment.variants.find((v) => v.id === variantId);
    return spec
      ? { experiment_id: experiment.id, experiment_name: experiment.name, variation_id: variantId, variation_name: variant?.name ?? variantId }
      : { experimentName: experiment.id, variationName: variantId };
  };
  const orderProperties = (orderNo: string, boost: number): SegmentEvent => {
    const properties: SegmentEvent = { order_id: orderNo, currency: pick(['USD', 'USD', 'USD', 'EUR', 'GBP']), items: between(1, 6) };
    const u = random();
    if (u < 0.08) {
      s.orders.nonNumericRevenue++;
      const kind = pick(['string', 'null', 'missing', 'empty'] as const);
      if (kind === 'string') properties.revenue = String(money(5, 200));
      else if (kind === 'null') properties.revenue = null;
      else if (kind === 'empty') properties.revenue = '';
    } else {
      s.orders.numericRevenue++;
      const revenue = u < 0.16 ? money(REVENUE_CAP + 1, 2500) : Math.round(money(5, 250) * boost * 100) / 100;
      if (revenue > REVENUE_CAP) s.orders.revenueOverCap++;
      properties.revenue = revenue;
    }
    if (chance(0.25)) properties.coupon = pick(['WELCOME10', 'BLACKFRIDAY', 'SPRING']);
    return properties;
  };

  for (let p = 0; p < personCount; p++) {
    const forced: Forced | undefined = FORCED[p];
    const is = (name: Forced, probability: number): boolean => forced === name || (forced === undefined && chance(probability));
    const userIdOnly = is('userIdOnly', 0.04);
    const anon = `${run}-anon-${p}`;
    const userId = `${run}-user-${p}`;
    const ids: SegmentEvent = userIdOnly ? { userId } : { anonymousId: anon };
    if (userIdOnly) s.userIdOnlyPersons++;
    const os = pick(['iOS', 'iOS', 'Android', 'Android', 'Android', 'Mac OS X', 'Windows', 'Windows']);
    const device = os === 'iOS' ? (chance(0.2) ? 'tablet' : 'mobile') : os === 'Android' ? 'mobile' : 'desktop';
    const contextKind = userIdOnly ? 'none' : chance(0.03) ? 'none' : chance(0.05) ? 'os-only' : 'full';
    const context: SegmentEvent | undefined = contextKind === 'none' ? undefined : contextKind === 'os-only' ? { os: { name: os } } : { os: { name: os }, device: { type: device } };
    const withContext = (body: SegmentEvent): SegmentEvent => (context ? { ...body, context } : body);
    const plan = chance(0.4) ? 'business' : 'consumer';
    const t0 = start + Math.floor(random() * 4 * 60 * MINUTE);

    // Which experiments, which variant, when.
    const exposures: Array<{ experiment: ExperimentDefinition; variant: string; at: number }> = [];
    for (const [experiment, participation] of [
      [checkout, 0.85],
      [pricing, 0.6],
      [onboarding, 0.45],
    ] as const) {
      if (chance(participation)) exposures.push({ experiment, variant: weightedVariant(experiment), at: t0 + between(0, 10 * MINUTE) });
    }
    if (exposures.length === 0) exposures.push({ experiment: checkout, variant: weightedVariant(checkout), at: t0 + between(0, 10 * MINUTE) });
    const firstExposure = Math.min(...exposures.map((e) => e.at));
    const lastExposure = Math.max(...exposures.map((e) => e.at));

    // Traits before the exposure (some identifies also carry the userId: an early link).
    if (!userIdOnly && is('identifyBefore', 0.35)) {
      s.identifyBeforeExposure++;
      emit(withContext({ type: 'identify', ...ids, ...(chance(0.15) ? { userId } : {}), traits: { plan, email: `person${p}@example.com` } }), firstExposure - between(MINUTE, 10 * MINUTE), between(200, 5_000));
    } else if (userIdOnly && chance(0.5)) {
      s.identifyBeforeExposure++;
      emit({ type: 'identify', userId, traits: { plan } }, firstExposure - between(MINUTE, 10 * MINUTE), between(200, 5_000));
    }

    // A conversion before any exposure: never counted.
    if (is('preConversion', 0.08)) {
      s.conversionsBeforeExposure++;
      const at = firstExposure - between(20_000, 5 * MINUTE);
      if (chance(0.5)) emit(withContext({ type: 'track', event: 'Signed Up', ...ids, properties: { plan, method: 'email' } }), at);
      else emit(withContext({ type: 'track', event: 'Order Completed', ...ids, properties: orderProperties(`${run}-o${p}-pre`, 1) }), at);
    }

    // Exposures.
    const purchaseBeforeExposure = is('purchaseBeforeExposure', 0.03);
    let latestExposureArrival = 0;
    exposures.forEach((exposure, i) => {
      const { experiment, variant, at } = exposure;
      const view = (variantId: string, ts: number, delay?: number): Pending =>
        emit(withContext({ type: 'track', event: 'Experiment Viewed', ...ids, properties: exposureProperties(experiment, variantId) }), ts, delay);
      const others = experiment.variants.filter((v) => v.id !== variant).map((v) => v.id);
      let switched = false;
      if (i === 0 && purchaseBeforeExposure) {
        // The exposure reaches us late; the purchase it precedes in event time arrives first.
        s.purchaseArrivingBeforeItsExposure++;
        const item = view(variant, at, between(8 * MINUTE, 12 * MINUTE));
        emit(withContext({ type: 'track', event: 'Order Completed', ...ids, properties: orderProperties(`${run}-o${p}-early`, 1) }), at + MINUTE, between(200, 20_000));
        latestExposureArrival = Math.max(latestExposureArrival, item.arrival);
      } else if (i === 0 && is('lateEarlier', 0.03)) {
        // The earliest exposure (variant) arrives after a later one in another variant, and after a purchase between them.
        s.lateEarlierExposureInOtherVariant++;
        switched = true;
        const item = view(variant, at, between(12 * MINUTE, 15 * MINUTE));
        view(pick(others), at + 2 * MINUTE, between(200, 20_000));
        emit(withContext({ type: 'track', event: 'Order Completed', ...ids, properties: orderProperties(`${run}-o${p}-between`, 1) }), at + 3 * MINUTE, between(200, 20_000));
        latestExposureArrival = Math.max(latestExposureArrival, item.arrival);
      } else {
        const item = view(variant, at);
        latestExposureArrival = Math.max(latestExposureArrival, item.arrival);
      }
      for (let r = between(0, 2); r > 0; r--) view(variant, at + between(MINUTE, 30 * MINUTE));
      if (is('switcher', 0.03)) {
        switched = true;
        view(pick(others), at + between(5 * MINUTE, 40 * MINUTE));
      }
      if (switched) s.variantSwitchers++;
      if (chance(0.2)) emit(withContext({ type: 'track', event: 'Experiment Clicked', ...ids, properties: exposureProperties(experiment, variant, false) }), at + between(10_000, 5 * MINUTE));
    });

    // Traits sent before the exposure in event time, received after it: not the person's breakdown value.
    if (!userIdOnly && is('identifyArrivesAfter', 0.02)) {
      s.identifyBeforeExposureArrivingAfterIt++;
      const at = firstExposure - between(10_000, MINUTE);
      emit(withContext({ type: 'identify', ...ids, traits: { plan: plan === 'business' ? 'consumer' : 'business' } }), at, latestExposureArrival - at + between(10_000, MINUTE));
    }

    // Browsing noise.
    for (let n = between(0, 3); n > 0; n--) {
      emit(withContext({ type: 'track', event: 'Product Viewed', ...ids, properties: { product_id: `sku-${between(1, 40)}`, price: money(5, 120) } }), firstExposure + between(0, 30 * MINUTE));
    }
    if (chance(0.3)) emit(withContext({ type: 'page', ...ids, name: 'Pricing', properties: { path: '/pricing' } }), firstExposure + between(0, 20 * MINUTE));

    // Conversions after the exposures, with a little lift in some variants.
    const variantOf = (experiment: ExperimentDefinition): string | undefined => exposures.find((e) => e.experiment === experiment)?.variant;
    const lift = (variantOf(checkout) === 'treatment' ? 0.08 : 0) + (variantOf(onboarding) === 'guided' ? 0.05 : 0);
    const boost = variantOf(pricing) === 'annual-first' ? 1.15 : 1;
    if (chance(0.25 + lift)) {
      const signedUp = (ts: number): void => {
        const properties: SegmentEvent = { method: pick(['email', 'google', 'apple']) };
        if (chance(0.9)) {
          properties.plan = chance(0.8) ? plan : plan === 'business' ? 'consumer' : 'business';
          s.signups.withPlan++;
          if (properties.plan === 'business') s.signups.business++;
        }
        emit(withContext({ type: 'track', event: 'Signed Up', ...ids, properties }), ts);
      };
      // After the first exposure, not necessarily after the others: counted only in the experiments already exposed.
      const at = firstExposure + between(30_000, 40 * MINUTE);
      signedUp(at);
      if (chance(0.05)) signedUp(at + between(MINUTE, 10 * MINUTE));
    }
    const orders = pick([0, 0, 0, 0, 0, 1, 1, 1, 2, 3]);
    for (let o = 0; o < orders; o++) {
      emit(withContext({ type: 'track', event: 'Order Completed', ...ids, properties: orderProperties(`${run}-o${p}-${o}`, boost) }), firstExposure + between(MINUTE, 60 * MINUTE));
    }

    // Identity: logged in after the exposure (identify with both ids), or aliased server-side; then server-side userId-only events.
    if (!userIdOnly) {
      const linkAfter = is('linkAfter', 0.02);
      const secondDevice = is('secondDevice', 0.03);
      const identified = linkAfter || secondDevice || is('identified', 0.25);
      const aliased = !identified && is('alias', 0.05);
      if (identified || aliased) {
        const linkAt = lastExposure + between(5 * MINUTE, 20 * MINUTE);
        let link: Pending;
        if (identified) {
          s.identifiedAfterExposure++;
          const newPlan = chance(0.3) ? (plan === 'business' ? 'consumer' : 'business') : plan;
          if (newPlan !== plan) s.planChangedAfterExposure++;
          link = emit(withContext({ type: 'identify', anonymousId: anon, userId, traits: { plan: newPlan, email: `person${p}@example.com` } }), linkAt, linkAfter ? between(8 * MINUTE, 12 * MINUTE) : undefined);
        } else {
          s.aliases++;
          link = emit({ type: 'alias', previousId: anon, userId }, linkAt);
        }
        if (linkAfter) {
          // A server-side purchase that arrives before the link mapping its userId (within the grace period).
          s.linkArrivingAfterUserIdOnlyEvent++;
          s.userIdOnlyEventsOfLinkedPersons++;
          emit({ type: 'track', event: 'Order Completed', userId, properties: orderProperties(`${run}-o${p}-srv-early`, boost) }, linkAt + 30_000, between(200, 20_000));
        }
        const serverOrders = linkAfter || secondDevice ? 1 : pick([0, 1, 1, 2]);
        for (let o = 0; o < serverOrders; o++) {
          s.userIdOnlyEventsOfLinkedPersons++;
          emit({ type: 'track', event: 'Order Completed', userId, properties: orderProperties(`${run}-o${p}-srv-${o}`, boost) }, linkAt + between(2 * MINUTE, 40 * MINUTE));
        }
        if (chance(0.15)) {
          s.userIdOnlyEventsOfLinkedPersons++;
          emit({ type: 'track', event: 'Signed Up', userId, properties: { plan, method: 'server' } }, linkAt + between(MINUTE, 20 * MINUTE));
        }
        if (secondDevice) {
          // Logs in on a second device an hour later: the userId stays with the first device's anonymousId.
          s.secondDeviceLinksIgnored++;
          const deviceAt = Math.max(link.arrival, linkAt) + between(60 * MINUTE, 90 * MINUTE);
          const secondContext = { os: { name: 'Windows' }, device: { type: 'desktop' } };
          emit({ type: 'identify', anonymousId: `${anon}-desktop`, userId, traits: { plan }, context: secondContext }, deviceAt, between(200, 5_000));
          emit({ type: 'track', event: 'Signed Up', anonymousId: `${anon}-desktop`, userId, properties: { plan, method: 'email' }, context: secondContext }, deviceAt + MINUTE, between(200, 5_000));
          s.userIdOnlyEventsOfLinkedPersons++;
          emit({ type: 'track', event: 'Order Completed', userId, properties: orderProperties(`${run}-o${p}-srv-late`, boost) }, deviceAt + between(2 * MINUTE, 10 * MINUTE), between(200, 20_000));
        }
      }
    }

    // A server-side event of a userId never linked to anyone: its own person, not exposed.
    if (is('unlinked', 0.03)) {
      s.unlinkedUserIdOnlyEvents++;
      emit({ type: 'track', event: 'Order Completed', userId: `${run}-guest-${p}`, properties: orderProperties(`${run}-o${p}-guest`, 1) }, firstExposure + between(MINUTE, 30 * MINUTE));
    }
  }

  // Exposure context coverage.
  for (const { event } of pending) {
    if (event.event !== 'Experiment Viewed') continue;
    const context = event.context as { os?: { name?: string }; device?: { type?: string } } | undefined;
    if (!context) s.exposuresWithoutContext++;
    else if (!context.device) s.exposuresWithoutDeviceType++;
    if (context?.os?.name) s.os[context.os.name] = (s.os[context.os.name] ?? 0) + 1;
    if (context?.device?.type) s.deviceType[context.device.type] = (s.deviceType[context.device.type] ?? 0) + 1;
  }

  // Resent duplicates: the same event again, a little later.
  for (const item of [...pending]) {
    if (!chance(0.03)) continue;
    s.resentDuplicates++;
    pending.push({ event: structuredClone(item.event), ts: item.ts, arrival: item.arrival + between(30_000, 10 * MINUTE), seq: seq++ });
  }

  pending.sort((a, b) => a.arrival - b.arrival || a.seq - b.seq);
  let latestTs = -Infinity;
  for (const item of pending) {
    if (options.receivedAt === true) item.event.receivedAt = new Date(item.arrival).toISOString();
    s.maxArrivalDelayMs = Math.max(s.maxArrivalDelayMs, item.arrival - item.ts);
    s.maxEventTimeLatenessMs = Math.max(s.maxEventTimeLatenessMs, latestTs - item.ts);
    latestTs = Math.max(latestTs, item.ts);
  }
  s.events = pending.length;
  return {
    events: pending.map((item) => item.event),
    arrivedAt: pending.map((item) => item.arrival),
    experiments,
    naming,
    metrics,
    midStreamMetric,
    dimensions: CONVERSION_DIMENSIONS,
    situations: s,
  };
}

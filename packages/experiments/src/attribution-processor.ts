import { metricContribution, type CupedSettings, type DefinitionsCatalog, type MetricDefinition } from '@abtest/definitions';
import type { KeyValueStore, Processor, ProcessorContext, StoreKey, StreamRecord } from '@abtest/streams';
import { addToBuckets, dayOf, sumBuckets } from './daily-buckets';
import { DeltaCollector } from './delta-collector';
import { eventTimeOf, isObject, receivedAtOf, text, toExperimentEvent, valueAt, type ExperimentEvent, type Json } from './events';
import { DAY_MS, hourOf } from './delta';
import { contributionOf, emptyPerson, type MetricSpec, type PersonExperiment, type PersonState } from './person-state';

export const PERSONS_STORE = 'persons';
/** An unbounded buffer would let one noisy person grow their state without limit. */
export const MAX_BUFFERED_EVENTS = 500;

export interface AttributionOptions {
  definitions: DefinitionsCatalog;
  /** How long (by arrival) an event is remembered for an exposure that follows it in event time but arrives later. */
  graceMs: number;
  /** Breakdown dimensions: dotted paths into the exposure event (`context.os.name`) or `traits.<name>`. */
  dimensions: string[];
}

const FLAG = { view: 1, click: 2 } as const;

interface Relevance {
  experiment: ExperimentEvent | undefined;
  metrics: MetricDefinition[];
}

/**
 * Person-partitioned stage (key: the canonical person). Keeps each person's
 * assignments, counted events and a grace buffer, and forwards the changes of
 * the person's contribution — (after − before) — keyed by experiment,
 * summed over each batch.
 */
export class AttributionProcessor implements Processor<Json> {
  private context!: ProcessorContext;
  private persons!: KeyValueStore<PersonState>;
  /** What each event of the batch means, read once for prefetch and process; cleared with the batch (a WeakMap costs the collector more). */
  private readonly read = new Map<object, Relevance | undefined>();
  private deltas = new DeltaCollector();

  constructor(private readonly options: AttributionOptions) {}

  init(context: ProcessorContext): void {
    this.context = context;
    this.persons = context.getStateStore(PERSONS_STORE);
  }

  prefetch(record: StreamRecord<Json>): StoreKey[] {
    return record.key !== null && this.relevance(record.value) ? [{ store: PERSONS_STORE, key: record.key }] : [];
  }

  /** What an event means here, or undefined for events no rule reads (no state is fetched for them). Read once per event: prefetch and process share it. */
  private relevance(event: unknown): Relevance | undefined {
    if (!isObject(event)) return undefined;
    if (this.read.has(event)) return this.read.get(event);
    const metrics = typeof event.event === 'string' && event.type === 'track' ? this.options.definitions.metricsForEvent(event.event) : [];
    const experiment = toExperimentEvent(event);
    const relevance = event.type === 'identify' || experiment || metrics.length > 0 ? { experiment, metrics } : undefined;
    this.read.set(event, relevance);
    return relevance;
  }

  process(record: StreamRecord<Json>): void {
    const event = record.value;
    const relevant = this.relevance(event);
    if (record.key === null || !relevant) return;
    const { experiment, metrics } = relevant;
    const person = this.persons.get(record.key) ?? emptyPerson();
    const deltas = this.deltas.at(receivedAtOf(event));
    const time = eventTimeOf(event, record.timestamp);
    let changed = event.type === 'identify' && isObject(event.traits) && this.rememberTraits(person, event.traits);
    if (experiment) changed = this.onExperimentEvent(person, experiment, event, time, deltas) || changed;
    if (metrics.length > 0) {
      this.onMetricEvent(person, metrics, event, time, record, deltas);
      changed = true;
    }
    // A repeated view or click changes nothing: no store write, no changelog record.
    if (changed) this.persons.put(record.key, person);
  }

  /** One summed delta per experiment and batch: the by-experiment stage adds them up anyway. */
  endBatch(): void {
    for (const delta of this.deltas.deltas()) this.context.forward({ key: delta.experiment_id, value: delta });
    this.deltas = new DeltaCollector();
    this.read.clear();
  }

  /** True when a remembered trait changed. */
  private rememberTraits(person: PersonState, traits: Json): boolean {
    let changed = false;
    for (const [name, value] of Object.entries(traits)) {
      const asText = text(value) ?? (typeof value === 'boolean' ? String(value) : undefined);
      if (asText === undefined || person.tr[name] === asText || !this.options.dimensions.includes(`traits.${name}`)) continue;
      person.tr[name] = asText;
      changed = true;
    }
    return changed;
  }

  /** Counts a view or click, assigns on a (first-by-event-time) exposure; true when the person's state changed. */
  private onExperimentEvent(person: PersonState, exp: ExperimentEvent, event: Json, time: number, deltas: DeltaCollector): boolean {
    const entry = (person.x[exp.experimentId] ??= { s: {}, m: {} });
    const seen = entry.s[exp.variantId] ?? 0;
    const first = (seen & FLAG[exp.kind]) === 0;
    entry.s[exp.variantId] = seen | FLAG[exp.kind];
    deltas.counts(exp, first);
    if (exp.kind !== 'view') return first;
    let changed = first;
    if (entry.v !== undefined && entry.v !== exp.variantId && entry.w === undefined) {
      entry.w = 1;
      deltas.switcher(exp);
      changed = true;
    }
    if (entry.t !== undefined && entry.t <= time) return changed;
    // A first exposure, or one earlier in event time than the assigning one: it assigns.
    this.change(exp.experimentId, entry, this.metricsOf(exp.experimentId), deltas, () => {
      const previous = entry.t;
      entry.v = exp.variantId;
      entry.t = time;
      entry.d = this.dimensionsOf(person, event);
      this.setCovariates(person, entry, exp.experimentId, time);
      const metrics = this.metricsOf(exp.experimentId);
      for (const buffered of person.b) {
        if (buffered.t >= time && (previous === undefined || buffered.t < previous)) this.count(entry, valuesOf(metrics, buffered.e), buffered.t, metrics);
      }
    });
    deltas.started(exp, time);
    return true;
  }

  private onMetricEvent(person: PersonState, metrics: MetricDefinition[], event: Json, time: number, record: StreamRecord<Json>, deltas: DeltaCollector): void {
    const stored = { type: event.type, event: event.event, properties: event.properties, context: event.context };
    this.buffer(person, { i: text(event.messageId) ?? `${record.partition}:${record.offset}`, t: time, a: record.timestamp, e: stored });
    const values = valuesOf(metrics, stored);
    this.recordActivity(person, metrics, values, time);
    for (const [experimentId, entry] of Object.entries(person.x)) {
      if (entry.t === undefined) continue;
      const applicable = this.metricsOf(experimentId).filter((m) => metrics.some((n) => n.id === m.id));
      if (time >= entry.t) {
        if (applicable.length > 0) this.change(experimentId, entry, applicable, deltas, () => this.count(entry, values, time, applicable));
        continue;
      }
      // Before the exposure: a late event of a CUPED metric may fall in the covariate's window.
      const covariates = applicable.filter((m) => values.has(m.id) && inCovariateWindow(m, entry.t as number, time));
      if (covariates.length === 0) continue;
      this.change(experimentId, entry, covariates, deltas, () => {
        const c = (entry.c ??= {});
        for (const metric of covariates) c[metric.id] = (c[metric.id] ?? 0) + (values.get(metric.id) as number);
      });
    }
  }

  /** Adds the event's values to the person's daily activity of each CUPED metric. */
  private recordActivity(person: PersonState, metrics: MetricDefinition[], values: Map<string, number>, time: number): void {
    for (const metric of metrics) {
      const value = values.get(metric.id);
      if (metric.cuped === null || value === undefined) continue;
      const activity = (person.p ??= {});
      activity[metric.id] = addToBuckets(activity[metric.id], dayOf(time), value, windowDays(metric.cuped));
    }
  }

  /** At (re)assignment: each CUPED metric's covariate is the person's activity in the window before the exposure's day. */
  private setCovariates(person: PersonState, entry: PersonExperiment, experimentId: string, exposedAt: number): void {
    const exposureDay = dayOf(exposedAt);
    for (const metric of this.metricsOf(experimentId)) {
      if (metric.cuped === null) continue;
      (entry.c ??= {})[metric.id] = sumBuckets(person.p?.[metric.id], exposureDay - windowDays(metric.cuped), exposureDay);
    }
  }

  /** Sends (contribution after − before) of `metrics` around `mutate`. */
  private change(experimentId: string, entry: PersonExperiment, metrics: MetricDefinition[], deltas: DeltaCollector, mutate: () => void): void {
    const specs: MetricSpec[] = metrics.map((m) => ({ id: m.id, type: m.type, cap: m.cap, cuped: m.cuped !== null }));
    const before = contributionOf(entry, specs, hourOf);
    mutate();
    const after = contributionOf(entry, specs, hourOf);
    deltas.contribution(experimentId, before, -1);
    deltas.contribution(experimentId, after, 1);
  }

  /** Adds one event (its `values`, valuesOf) to the entry's history of every one of `metrics` it counts for. */
  private count(entry: PersonExperiment, values: Map<string, number>, time: number, metrics: MetricDefinition[]): void {
    for (const metric of metrics) {
      const value = values.get(metric.id);
      if (value === undefined) continue;
      const history = (entry.m[metric.id] ??= {});
      const hour = String(hourOf(time));
      const [count, sum] = history[hour] ?? [0, 0];
      history[hour] = [count + 1, sum + value];
    }
  }

  private buffer(person: PersonState, event: PersonState['b'][number]): void {
    const horizon = event.a - this.options.graceMs;
    person.b = person.b.filter((b) => b.a >= horizon);
    person.b.push(event);
    if (person.b.length > MAX_BUFFERED_EVENTS) person.b.splice(0, person.b.length - MAX_BUFFERED_EVENTS);
  }

  private metricsOf(experimentId: string): MetricDefinition[] {
    return this.options.definitions.metricsFor(experimentId);
  }

  private dimensionsOf(person: PersonState, event: Json): Record<string, string> {
    const dims: Record<string, string> = {};
    for (const dimension of this.options.dimensions) {
      const value = dimension.startsWith('traits.') ? person.tr[dimension.slice('traits.'.length)] : text(valueAt(event, dimension));
      dims[dimension] = value ?? 'unknown';
    }
    return dims;
  }
}

/** What an event adds to each of `metrics` that counts it (metricContribution), by metric id: read once per event. */
function valuesOf(metrics: MetricDefinition[], event: Json): Map<string, number> {
  const values = new Map<string, number>();
  for (const metric of metrics) {
    const value = metricContribution(metric, event);
    if (value !== undefined) values.set(metric.id, value);
  }
  return values;
}

const windowDays = (cuped: CupedSettings): number => cuped.window / DAY_MS;

/** The covariate's window: the whole days of `cuped.window` before the exposure's day (event time, UTC). */
function inCovariateWindow(metric: MetricDefinition, exposedAt: number, time: number): boolean {
  if (metric.cuped === null) return false;
  const day = dayOf(time);
  const exposureDay = dayOf(exposedAt);
  return day < exposureDay && day >= exposureDay - windowDays(metric.cuped);
}

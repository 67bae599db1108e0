import type { DailyBuckets } from './daily-buckets';
import type { MetricType } from './delta';

/** Per metric: counted events and their raw value sum, by hour of event time. */
export type MetricHistory = Record<string, [count: number, rawSum: number]>;

/** One person in one experiment (compact field names: this is stored per person in Redis). */
export interface PersonExperiment {
  /** Assigned variant (first exposure by event time). */
  v?: string;
  /** Exposure time of the assignment (epoch ms, event time). */
  t?: number;
  /** Breakdown dimensions fixed at the assigning exposure. */
  d?: Record<string, string>;
  /** Seen flags per variant: 1 viewed, 2 clicked (unique views and clicks). */
  s: Record<string, number>;
  /** 1 once counted as a variant switcher. */
  w?: 1;
  /** Counted events per metric. */
  m: Record<string, MetricHistory>;
  /** CUPED metrics: the raw (uncapped) sum over the window before the exposure's day, set at assignment, kept up to date by late events. */
  c?: Record<string, number>;
}

/** An event remembered for the grace period, for an exposure that arrives after it. */
export interface BufferedEvent {
  /** messageId (or offset) */
  i: string;
  /** event time */
  t: number;
  /** arrival (record timestamp) */
  a: number;
  /** the event's name and properties, what metrics match on */
  e: Record<string, unknown>;
}

export interface PersonState {
  x: Record<string, PersonExperiment>;
  b: BufferedEvent[];
  /** identify traits, latest value per trait */
  tr: Record<string, string>;
  /** CUPED metrics: daily activity, exposed or not (absent until the person has some). */
  p?: Record<string, DailyBuckets>;
}

export const emptyPerson = (): PersonState => ({ x: {}, b: [], tr: {} });

export interface MetricSpec {
  id: string;
  type: MetricType;
  cap: number | null;
  /** The metric has a CUPED window: its contribution carries the covariate. */
  cuped: boolean;
}

/** One metric's share of a person's contribution. */
export interface MetricContribution {
  type: MetricType;
  converted: number;
  count: number;
  /** Capped total (1 for a converted person on a conversion metric). */
  total: number;
  /** Hour of the first counted event, null if none. */
  firstHour: number | null;
  /** Per hour: counted events and the increase of the (capped) total. */
  byHour: Map<number, { count: number; increase: number }>;
  /** CUPED covariate: the pre-exposure total (capped like the total; 0/1 for conversions), null without CUPED. */
  x: number | null;
}

/** What one assigned person adds to their variant's figures. */
export interface PersonContribution {
  variant: string;
  dims: Record<string, string>;
  exposedHour: number;
  metrics: Map<string, MetricContribution>;
}

/** A person's covariate from their raw pre-exposure sum, on the scale of their total. */
function covariate(metric: MetricSpec, raw: number): number {
  if (metric.type === 'conversion') return raw > 0 ? 1 : 0;
  return metric.cap === null ? raw : Math.min(raw, metric.cap);
}

/**
 * A person's contribution, a pure function of their state: changes are sent
 * as (after − before), which makes every reassignment exact.
 */
export function contributionOf(entry: PersonExperiment, metrics: MetricSpec[], hourOf: (t: number) => number): PersonContribution | undefined {
  if (entry.v === undefined || entry.t === undefined) return undefined;
  const result: PersonContribution = { variant: entry.v, dims: entry.d ?? {}, exposedHour: hourOf(entry.t), metrics: new Map() };
  for (const metric of metrics) {
    const history = entry.m[metric.id] ?? {};
    const hours = Object.keys(history).map(Number).sort((a, b) => a - b);
    const contribution: MetricContribution = { type: metric.type, converted: 0, count: 0, total: 0, firstHour: null, byHour: new Map(), x: metric.cuped ? covariate(metric, entry.c?.[metric.id] ?? 0) : null };
    let raw = 0;
    for (const hour of hours) {
      const [count, rawSum] = history[hour] as [number, number];
      if (count === 0) continue;
      const before = contribution.total;
      raw += metric.type === 'conversion' ? 0 : rawSum;
      contribution.count += count;
      contribution.firstHour ??= hour;
      contribution.converted = 1;
      contribution.total = metric.type === 'conversion' ? 1 : metric.cap === null ? raw : Math.min(raw, metric.cap);
      contribution.byHour.set(hour, { count, increase: contribution.total - before });
    }
    result.metrics.set(metric.id, contribution);
  }
  return result;
}

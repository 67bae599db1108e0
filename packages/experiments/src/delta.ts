import type { CupedSums, ExperimentResults, VariantMetric } from '@abtest/results-contract';

/**
 * Figures of one metric over a group of persons (a variant, or a variant
 * within a breakdown): the summable part of a VariantMetric. `cuped` only
 * on variants, for CUPED metrics.
 */
export type MetricFigures = Pick<VariantMetric, 'persons_converted' | 'event_count' | 'sum' | 'sum_squares'> & { cuped?: CupedSums };
/** Counts of one variant, as in the seed's `experiment_results` view. */
export type VariantCounts = Pick<ExperimentResults['variants'][number], 'variant_name' | 'unique_views' | 'total_views' | 'unique_clicks' | 'total_clicks'>;

export type MetricType = VariantMetric['metric_type'];

/** Increments of one variant (or one variant within a breakdown value). */
export interface CellDelta {
  persons: number;
  metrics: Record<string, MetricFigures>;
}

/** Increments of one variant in one hour of event time. */
export interface SeriesCellDelta {
  persons: number;
  metrics: Record<string, { persons_converted: number; event_count: number; sum: number }>;
}

export interface VariantDelta extends CellDelta, VariantCounts {}

/**
 * What the person-partitioned stage sends to the experiment-partitioned one:
 * increments, which sum (so a repartition can coalesce many into one per
 * experiment and commit). Retractions are negative increments.
 */
export interface ExperimentDelta {
  experiment_id: string;
  experiment_name: string;
  last_received_at: number;
  /** Earliest assigning exposure (event time), null if none in this delta. */
  started_at: number | null;
  variant_switchers: number;
  metric_types: Record<string, MetricType>;
  variants: Record<string, VariantDelta>;
  /** Key: `<dimension>\u0000<value>\u0000<variant>`. */
  breakdowns: Record<string, CellDelta>;
  /** Key: `<hour start (epoch ms)>\u0000<variant>`. */
  series: Record<string, SeriesCellDelta>;
}

export const SEPARATOR = '\u0000';
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
export const hourOf = (time: number): number => Math.floor(time / HOUR_MS) * HOUR_MS;
/** Sums computed as (after − before) leave float dust where they should be 0. */
export const clean = (value: number): number => (Math.abs(value) < 1e-9 ? 0 : value);

export function emptyDelta(experimentId: string, experimentName: string): ExperimentDelta {
  return { experiment_id: experimentId, experiment_name: experimentName, last_received_at: 0, started_at: null, variant_switchers: 0, metric_types: {}, variants: {}, breakdowns: {}, series: {} };
}

export const emptyFigures = (): MetricFigures => ({ persons_converted: 0, event_count: 0, sum: 0, sum_squares: 0 });
export const emptyCounts = (variantName: string): VariantCounts => ({ variant_name: variantName, unique_views: 0, total_views: 0, unique_clicks: 0, total_clicks: 0 });

/** Adds every number of `from` into `into` (same shape, keys created as needed). */
function addNumbers<T extends object>(into: T, from: T): T {
  const target = into as Record<string, unknown>;
  for (const [key, value] of Object.entries(from)) {
    if (typeof value === 'number') target[key] = ((target[key] as number | undefined) ?? 0) + value;
    else if (typeof value === 'object' && value !== null) target[key] = addNumbers((target[key] as object | undefined) ?? {}, value as object);
    else if (target[key] === undefined || target[key] === '') target[key] = value;
  }
  return into;
}

/** Sums `delta` into `into` (mutating and returning it). */
export function mergeDelta(into: ExperimentDelta, delta: ExperimentDelta): ExperimentDelta {
  into.last_received_at = Math.max(into.last_received_at, delta.last_received_at);
  if (delta.started_at !== null) into.started_at = into.started_at === null ? delta.started_at : Math.min(into.started_at, delta.started_at);
  into.variant_switchers += delta.variant_switchers;
  Object.assign(into.metric_types, delta.metric_types);
  addNumbers(into.variants, delta.variants);
  addNumbers(into.breakdowns, delta.breakdowns);
  addNumbers(into.series, delta.series);
  return into;
}

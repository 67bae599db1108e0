import type { DefinitionsCatalog } from '@abtest/definitions';
import type { ExperimentResults as ExperimentAnalysis } from '@abtest/stats';
import type { BreakdownResults, CupedSums, ExperimentResults, SeriesResults, VariantMetric } from '@abtest/results-contract';
import type { Publication } from './publication';
import { clean, DAY_MS, mergeDelta, type CellDelta, type SeriesCellDelta, type ExperimentDelta, type MetricFigures, type MetricType, type VariantDelta } from './delta';

export const OTHER_VALUE = 'other';

/** The state kept per experiment (store "results"). */
export interface ExperimentState extends ExperimentDelta {
  version: number;
  updated_at: number;
  /** Breakdown values seen per dimension, in order of first sight (capped; the rest is `other`). */
  dimension_values: Record<string, string[]>;
  /** The previous analysis: its running minima keep the sequential p-values monotone. */
  analysis: ExperimentAnalysis | null;
  /** Why there is no analysis, when there is none. */
  analysis_note: string | null;
  /** Hours (epoch ms) with series records, sorted: the index of the series store. */
  series_hours: number[];
}

/** A breakdown value's or a series bucket's state (stores "breakdowns", "series"). */
export interface CellsState<C> {
  version: number;
  variants: Record<string, C>;
}

export function emptyState(experimentId: string, experimentName: string): ExperimentState {
  return { experiment_id: experimentId, experiment_name: experimentName, last_received_at: 0, started_at: null, variant_switchers: 0, metric_types: {}, variants: {}, breakdowns: {}, series: {}, version: 0, updated_at: 0, dimension_values: {}, analysis: null, analysis_note: null, series_hours: [] };
}

/** Adds a delta's experiment-level part (breakdowns and series live in their own stores). */
export function addToState(state: ExperimentState, delta: ExperimentDelta): ExperimentState {
  mergeDelta(state, { ...delta, breakdowns: {}, series: {} });
  if (state.experiment_name === state.experiment_id) state.experiment_name = delta.experiment_name;
  return state;
}

const ratio = (numerator: number, denominator: number): number | null => (denominator > 0 ? numerator / denominator : null);

/** A metric an experiment reports; `cuped` when its definition has a CUPED window now. */
export interface ReportedMetric {
  id: string;
  type: MetricType;
  cuped: boolean;
}

/** The metrics an experiment reports: its definitions' now, and any it has figures for. */
export function metricIdsOf(state: ExperimentState, definitions: DefinitionsCatalog): ReportedMetric[] {
  const metrics = definitions.metricsFor(state.experiment_id).map((m) => ({ id: m.id, type: m.type, cuped: m.cuped !== null }));
  for (const [id, type] of Object.entries(state.metric_types)) if (!metrics.some((m) => m.id === id)) metrics.push({ id, type, cuped: false });
  return metrics;
}

const NO_CUPED_SUMS: CupedSums = { sum_x: 0, sum_x_squares: 0, sum_xy: 0 };

/** The figures of a cell; CUPED sums for CUPED metrics when `withCuped` (variants, not breakdown cells). */
export function variantMetrics(cell: CellDelta, metrics: ReportedMetric[], withCuped: boolean): VariantMetric[] {
  return metrics.map(({ id, type, cuped }) => {
    const figures: MetricFigures = cell.metrics[id] ?? { persons_converted: 0, event_count: 0, sum: 0, sum_squares: 0 };
    const sum = clean(figures.sum);
    const sums = figures.cuped ?? NO_CUPED_SUMS;
    return {
      metric_id: id,
      metric_type: type,
      persons_converted: figures.persons_converted,
      conversion_rate: ratio(figures.persons_converted, cell.persons),
      event_count: figures.event_count,
      sum,
      mean: ratio(sum, cell.persons),
      sum_squares: clean(figures.sum_squares),
      cuped: withCuped && cuped ? { sum_x: clean(sums.sum_x), sum_x_squares: clean(sums.sum_x_squares), sum_xy: clean(sums.sum_xy) } : null,
    };
  });
}

const byId = <T>(entries: Record<string, T>): Array<[string, T]> => Object.entries(entries).sort(([a], [b]) => a.localeCompare(b));

/**
 * The published record. As in the seed's LEFT JOIN from views, a variant
 * appears once it has a view; clicks of variants nobody has viewed are
 * reported as a data-quality figure instead of being dropped.
 */
export function toResults(state: ExperimentState, definitions: DefinitionsCatalog, publication: Publication): ExperimentResults {
  const definition = definitions.experiment(state.experiment_id);
  const countedFrom = publication.countedFrom();
  const startedAt = definition?.start_time ?? state.started_at;
  const metrics = metricIdsOf(state, definitions);
  const entries = byId<VariantDelta>(state.variants);
  const analysis = state.analysis;
  return {
    experiment_id: state.experiment_id,
    experiment_name: definition?.name ?? state.experiment_name,
    version: state.version,
    updated_at: state.updated_at,
    last_event_received_at: state.last_received_at,
    variants: entries
      .filter(([, v]) => v.total_views > 0)
      .map(([variantId, v]) => ({
        variant_id: variantId,
        variant_name: v.variant_name,
        unique_views: v.unique_views,
        total_views: v.total_views,
        unique_clicks: v.unique_clicks,
        total_clicks: v.total_clicks,
        persons: v.persons,
        allocation_weight: definition?.variants.find((d) => d.id === variantId)?.weight ?? null,
        metrics: variantMetrics(v, metrics, true),
      })),
    data_quality: {
      clicks_on_unviewed_variants: entries.filter(([, v]) => v.total_views === 0).reduce((sum, [, v]) => sum + v.total_clicks, 0),
      variant_switchers: state.variant_switchers,
    },
    control_variant_id: analysis?.control_variant_id ?? definition?.control_variant_id ?? null,
    started_at: state.started_at,
    status: analysis?.status ?? 'collecting',
    status_reason: analysis?.status_reason ?? state.analysis_note ?? 'waiting for persons in at least two variants',
    analysis,
    backfill: publication.backfill(),
    // Only an experiment that started before the retained history misses events.
    counted_from: countedFrom !== null && (startedAt === null || startedAt < countedFrom) ? countedFrom : null,
  };
}

export function toBreakdown(experimentId: string, dimension: string, value: string, cells: CellsState<CellDelta>, metrics: ReportedMetric[], now: number): BreakdownResults {
  return {
    experiment_id: experimentId,
    dimension,
    value,
    version: cells.version,
    updated_at: now,
    variants: byId(cells.variants).map(([variantId, cell]) => ({ variant_id: variantId, persons: cell.persons, metrics: variantMetrics(cell, metrics, false) })),
  };
}

export function toSeries(experimentId: string, granularity: SeriesResults['granularity'], bucketStart: number, cells: CellsState<SeriesCellDelta>, now: number): SeriesResults {
  return {
    experiment_id: experimentId,
    granularity,
    bucket_start: bucketStart,
    version: cells.version,
    updated_at: now,
    variants: byId(cells.variants).map(([variantId, cell]) => ({
      variant_id: variantId,
      persons: cell.persons,
      metrics: byId(cell.metrics).map(([metricId, m]) => ({ metric_id: metricId, persons_converted: m.persons_converted, event_count: m.event_count, sum: clean(m.sum) })),
    })),
  };
}

/** The breakdown and series entries an experiment has (the `other` value of each dimension included, hourly and daily buckets). */
export function cellKeysOf(state: ExperimentState): { breakdowns: Array<{ dimension: string; value: string }>; series: Array<{ granularity: SeriesResults['granularity']; start: number }> } {
  const days = [...new Set(state.series_hours.map((hour) => Math.floor(hour / DAY_MS) * DAY_MS))];
  return {
    breakdowns: Object.entries(state.dimension_values).flatMap(([dimension, values]) => [...values, OTHER_VALUE].map((value) => ({ dimension, value }))),
    series: [...state.series_hours.map((start) => ({ granularity: 'hour' as const, start })), ...days.map((start) => ({ granularity: 'day' as const, start }))],
  };
}

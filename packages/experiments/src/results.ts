import type { ExperimentResults as ExperimentAnalysis } from '@abtest/stats';

/** Counts of one variant, as in the seed's `experiment_results` view. */
export interface VariantCounts {
  variant_name: string;
  unique_views: number;
  total_views: number;
  unique_clicks: number;
  total_clicks: number;
}

/** What the person-partitioned stage sends to the experiment-partitioned one: increments. */
export interface ExperimentDelta {
  experiment_id: string;
  experiment_name: string;
  variants: Record<string, VariantCounts>;
  last_received_at: number;
}

/** The state kept per experiment (store "results"). */
export interface ExperimentState extends ExperimentDelta {
  version: number;
  updated_at: number;
}

/** Per-variant totals of one metric (conversion or value), over exposed persons. */
export interface VariantMetric {
  metric_id: string;
  metric_type: 'conversion' | 'value';
  /** Exposed persons with at least one counted event. */
  persons_converted: number;
  /** persons_converted / exposed persons. */
  conversion_rate: number | null;
  /** Counted events (after exposure). */
  event_count: number;
  /** Sum over persons of their (capped) per-person totals; for conversion metrics, persons_converted. */
  sum: number;
  /** sum / exposed persons. */
  mean: number | null;
  /** Sum over persons of their squared per-person totals (exact variances). */
  sum_squares: number;
}

export type ExperimentStatusName = 'collecting' | 'significant' | 'invalid_srm';

/**
 * One record of the results topic. Fields marked optional are added by the
 * conversion-metrics and statistics stages; consumers treat them as absent
 * until those are deployed (the Avro schema gives them defaults).
 */
export interface ExperimentResults {
  experiment_id: string;
  experiment_name: string;
  version: number;
  updated_at: number;
  last_event_received_at: number;
  variants: Array<
    VariantCounts & {
      variant_id: string;
      /** Configured allocation weight, when the experiment is defined. */
      allocation_weight?: number | null;
      /** Per metric totals. */
      metrics?: VariantMetric[];
    }
  >;
  data_quality: { clicks_on_unviewed_variants: number; variant_switchers?: number };
  /** Control variant (the definition's, else the first variant seen). */
  control_variant_id?: string | null;
  /** First exposure (epoch ms). */
  started_at?: number | null;
  status?: ExperimentStatusName;
  status_reason?: string;
  /** The statistics (output of @abtest/stats' analyzeExperiment), null until two variants have exposures. */
  analysis?: ExperimentAnalysis | null;
}

const COUNTS = ['unique_views', 'total_views', 'unique_clicks', 'total_clicks'] as const;

export function emptyCounts(variantName: string): VariantCounts {
  return { variant_name: variantName, unique_views: 0, total_views: 0, unique_clicks: 0, total_clicks: 0 };
}

/** Adds `delta` into `into` (mutating it) and returns it. */
export function addDelta<T extends ExperimentDelta>(into: T, delta: ExperimentDelta): T {
  for (const [variantId, counts] of Object.entries(delta.variants)) {
    const target = (into.variants[variantId] ??= emptyCounts(counts.variant_name));
    for (const field of COUNTS) target[field] += counts[field];
  }
  into.last_received_at = Math.max(into.last_received_at, delta.last_received_at);
  return into;
}

/**
 * The published record. As in the seed's LEFT JOIN from views, a variant
 * appears once it has a view; clicks of variants nobody has viewed are
 * reported as a data-quality figure instead of being dropped.
 */
export function toResults(state: ExperimentState): ExperimentResults {
  const entries = Object.entries(state.variants).sort(([a], [b]) => a.localeCompare(b));
  return {
    experiment_id: state.experiment_id,
    experiment_name: state.experiment_name,
    version: state.version,
    updated_at: state.updated_at,
    last_event_received_at: state.last_received_at,
    variants: entries.filter(([, c]) => c.total_views > 0).map(([variantId, c]) => ({ variant_id: variantId, ...c })),
    data_quality: { clicks_on_unviewed_variants: entries.filter(([, c]) => c.total_views === 0).reduce((sum, [, c]) => sum + c.total_clicks, 0) },
  };
}

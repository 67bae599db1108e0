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

/** One record of the results topic. */
export interface ExperimentResults {
  experiment_id: string;
  experiment_name: string;
  version: number;
  updated_at: number;
  last_event_received_at: number;
  variants: Array<VariantCounts & { variant_id: string }>;
  data_quality: { clicks_on_unviewed_variants: number };
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

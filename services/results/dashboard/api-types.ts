/**
 * The API's JSON as the page reads it: a copy of the shapes in
 * @abtest/results-view's views/schemas.ts (the browser build has no bundler
 * to import them). GET /openapi.json is the reference.
 */
export type Status = 'collecting' | 'significant' | 'invalid_srm';

export interface Interval {
  estimate: number | null;
  lower: number | null;
  upper: number | null;
}

export interface Headline {
  metric_id: string;
  variant_id: string;
  relative_lift: Interval;
  sequential_p_value_adjusted: number | null;
  chance_to_beat_control: number | null;
  outcome: 'winner' | 'loser' | null;
}

export interface ExperimentSummary {
  experiment_id: string;
  experiment_name: string;
  status: Status | null;
  status_reason: string | null;
  version: number;
  updated_at: number;
  age_ms: number;
  started_at: number | null;
  persons: number;
  srm_flagged: boolean;
  statistics_available: boolean;
  headline: Headline | null;
  variants: Array<{ variant_id: string; variant_name: string; unique_views: number; unique_clicks: number; unique_click_rate: number | null }>;
}

export interface Comparison {
  relative_lift: Interval;
  relative_lift_sequential: Interval;
  sequential_p_value_adjusted: number | null;
  chance_to_beat_control: number | null;
  significant: boolean;
  verdict: 'winner' | 'loser' | 'inconclusive';
}

export interface VariantRow {
  variant_id: string;
  variant_name: string;
  is_control: boolean;
  unique_views: number;
  total_views: number;
  unique_clicks: number;
  total_clicks: number;
  unique_click_rate: number | null;
  total_click_rate: number | null;
  metrics: Array<{ metric_id: string; metric_type: 'conversion' | 'value'; persons: number; persons_converted: number | null; rate: number | null; comparison: Comparison | null }>;
}

export interface SeriesPoint {
  t: number;
  persons: number;
  converted: number;
  rate: number | null;
  lower: number | null;
  upper: number | null;
}

export interface SeriesView {
  source: 'series' | 'results_history' | 'none';
  description: string;
  granularity: 'hour' | 'day' | null;
  metric_id: string | null;
  interval: string;
  variants: Array<{ variant_id: string; variant_name: string; points: SeriesPoint[] }>;
}

export interface BreakdownView {
  dimension: string;
  metric_id: string | null;
  segments: Array<{ value: string; variants: Array<{ variant_id: string; persons: number; persons_converted: number | null; rate: number | null; relative_lift: Interval | null }> }>;
}

export interface ExperimentDetail {
  experiment: ExperimentSummary;
  control_variant_id: string | null;
  metrics: string[];
  selected_metric: string | null;
  variants: VariantRow[];
  statistics: {
    available: boolean;
    reason: string | null;
    alpha: number | null;
    correction_method: string | null;
    srm: { checked: boolean; flagged: boolean; p_value: number | null; variants: Array<{ variant_id: string; persons: number; expected_persons: number; share: number | null; expected_share: number | null }> } | null;
  };
  data_quality: { clicks_on_unviewed_variants: number; variant_switchers: number | null };
  series: SeriesView;
  breakdowns: BreakdownView[];
}

/** The API answered with an error status, or not at all. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

export async function getJson<T>(path: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { headers: { accept: 'application/json' } });
  } catch (error) {
    throw new ApiError(`the results service cannot be reached (${error instanceof Error ? error.message : String(error)})`, null);
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const message = typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string' ? body.message : `HTTP ${response.status}`;
    throw new ApiError(message, response.status);
  }
  // The API is the reference for this shape (GET /openapi.json); the server builds it from validated records.
  return body as T;
}

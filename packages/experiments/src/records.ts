import type { ExperimentResults as ExperimentAnalysis } from '@abtest/stats';

/** Counts of one variant, as in the seed's `experiment_results` view. */
export interface VariantCounts {
  variant_name: string;
  unique_views: number;
  total_views: number;
  unique_clicks: number;
  total_clicks: number;
}

/** Figures of one metric over a group of persons (a variant, or a variant within a breakdown). */
export interface MetricFigures {
  /** Persons with at least one counted event. */
  persons_converted: number;
  /** Counted events (at or after the person's exposure). */
  event_count: number;
  /** Σ per-person totals (capped); for conversion metrics, persons_converted. */
  sum: number;
  /** Σ squared per-person totals (exact variances). */
  sum_squares: number;
}

/** Per-variant figures of one metric, over the persons assigned to the variant. */
export interface VariantMetric extends MetricFigures {
  metric_id: string;
  metric_type: 'conversion' | 'value';
  /** persons_converted / persons; null without persons. */
  conversion_rate: number | null;
  /** sum / persons; null without persons. */
  mean: number | null;
}

export type ExperimentStatusName = 'collecting' | 'significant' | 'invalid_srm';

/** One record of the results topic (key: experiment_id). */
export interface ExperimentResults {
  experiment_id: string;
  experiment_name: string;
  version: number;
  updated_at: number;
  last_event_received_at: number;
  variants: Array<
    VariantCounts & {
      variant_id: string;
      /** Persons assigned to the variant by their first exposure. */
      persons: number;
      /** Configured allocation weight, when the experiment is defined. */
      allocation_weight: number | null;
      metrics: VariantMetric[];
    }
  >;
  data_quality: { clicks_on_unviewed_variants: number; variant_switchers: number };
  /** Control variant (the definition's, else `control` if seen, else the first variant by id). */
  control_variant_id: string | null;
  /** First exposure (event time, epoch ms). */
  started_at: number | null;
  status: ExperimentStatusName;
  status_reason: string;
  /** The statistics (@abtest/stats' analyzeExperiment), null until two variants have persons. */
  analysis: ExperimentAnalysis | null;
}

/** Topic `<results>-breakdowns`, key `<experiment_id>|<dimension>|<value>`. */
export interface BreakdownResults {
  experiment_id: string;
  /** e.g. `context.os.name`, `traits.plan`. */
  dimension: string;
  /** The value at the person's first exposure; `unknown` when missing, `other` past the cap. */
  value: string;
  version: number;
  updated_at: number;
  variants: Array<{ variant_id: string; persons: number; metrics: VariantMetric[] }>;
}

export type Granularity = 'hour' | 'day';

/** Topic `<results>-series`, key `<experiment_id>|<granularity>|<bucket_start>`: what happened in one bucket of event time. */
export interface SeriesResults {
  experiment_id: string;
  granularity: Granularity;
  /** Epoch ms, UTC bucket start. */
  bucket_start: number;
  version: number;
  updated_at: number;
  variants: Array<{
    variant_id: string;
    /** Persons assigned in this bucket (by exposure time). */
    persons: number;
    /** Per metric: persons first converting, counted events and the sum's change, in this bucket. */
    metrics: Array<{ metric_id: string; persons_converted: number; event_count: number; sum: number }>;
  }>;
}

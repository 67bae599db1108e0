import { ratio } from '../intervals';
import type { Analysis, Comparison, ComparisonView, ExperimentDetail, ResultsRecord, StatisticsView, VariantMetricView, VariantRow } from '@abtest/results-contract';
import type { ExperimentEntry } from '../results-store';
import { breakdownViews } from './breakdowns';
import { conversionSeries } from './conversion-series';
import { assignedPersons, experimentSummary, headlineComparison, metricIds } from './experiment-summary';

export const STATISTICS_NOT_AVAILABLE =
  'statistics not available yet: the results records carry no analysis for this experiment (it needs exposures in at least two variants and a processor that publishes statistics)';

/** The control: the record's, else the analysis', else the first variant. */
export function controlVariantId(record: ResultsRecord): string | null {
  return record.control_variant_id ?? record.analysis?.control_variant_id ?? record.variants[0]?.variant_id ?? null;
}

const effectInterval = (effect: Comparison['relative_lift'], sequential: boolean) =>
  sequential ? { estimate: effect.estimate, lower: effect.cs_lower, upper: effect.cs_upper } : { estimate: effect.estimate, lower: effect.ci_lower, upper: effect.ci_upper };

/**
 * The p-value a comparison's verdict rests on, adjusted within its role's
 * family: primary metrics by the experiment's correction, secondary ones
 * by Benjamini–Hochberg (a q-value), guardrails by Holm over the one-sided
 * regression p-values.
 */
function adjustedPValue(comparison: Comparison, analysis: Analysis): Pick<ComparisonView, 'adjusted_p_value' | 'adjustment'> {
  const role = comparison.metric_role;
  if (role === 'guardrail') return { adjusted_p_value: comparison.guardrail_p_value_adjusted, adjustment: 'guardrail_holm' };
  return { adjusted_p_value: comparison.sequential_p_value_adjusted, adjustment: role === 'secondary' ? 'bh' : analysis.correction_method };
}

function comparisonView(comparison: Comparison, analysis: Analysis): ComparisonView {
  const lift = comparison.relative_lift;
  const diff = comparison.absolute_difference;
  return {
    relative_lift: effectInterval(lift, false),
    relative_lift_sequential: effectInterval(lift, true),
    absolute_difference: effectInterval(diff, false),
    absolute_difference_sequential: effectInterval(diff, true),
    metric_role: comparison.metric_role,
    verdict: comparison.verdict,
    ...adjustedPValue(comparison, analysis),
    sequential_p_value_adjusted: comparison.sequential_p_value_adjusted,
    guardrail_p_value_adjusted: comparison.guardrail_p_value_adjusted,
    fixed_horizon_p_value: comparison.fixed_horizon_p_value,
    chance_to_beat_control: comparison.chance_to_beat_control,
    significant: comparison.sequential_significant,
    direction: comparison.direction,
    cs_conflict: comparison.cs_conflict,
    cuped: comparison.cuped ? { variance_reduction: comparison.cuped.variance_reduction, theta: comparison.cuped.theta, relative_lift_unadjusted: { estimate: comparison.cuped.raw_relative_lift.estimate, lower: comparison.cuped.raw_relative_lift.ci_lower, upper: comparison.cuped.raw_relative_lift.ci_upper } } : null,
  };
}

function variantMetrics(record: ResultsRecord, variant: ResultsRecord['variants'][number], metrics: string[]): VariantMetricView[] {
  const analysis = record.analysis;
  return metrics.map((metricId) => {
    const totals = variant.metrics.find((m) => m.metric_id === metricId);
    const comparison = analysis?.comparisons.find((c) => c.metric_id === metricId && c.variant_id === variant.variant_id) ?? null;
    const anyComparison = analysis?.comparisons.find((c) => c.metric_id === metricId);
    const metricType = totals?.metric_type ?? anyComparison?.metric_type ?? 'conversion';
    const persons = assignedPersons(variant);
    const rate = totals ? (metricType === 'conversion' ? (totals.conversion_rate ?? ratio(totals.persons_converted, persons)) : (totals.mean ?? ratio(totals.sum, persons))) : (comparison?.variant.mean ?? null);
    return {
      metric_id: metricId,
      metric_type: metricType,
      persons,
      persons_converted: totals?.persons_converted ?? null,
      rate,
      comparison: comparison && analysis ? comparisonView(comparison, analysis) : null,
    };
  });
}

function statisticsView(analysis: Analysis | null): StatisticsView {
  if (!analysis) return { available: false, reason: STATISTICS_NOT_AVAILABLE, alpha: null, correction_method: null, guardrail_alpha: null, computed_at: null, srm: null, sequential_restart_reason: null };
  const { srm } = analysis;
  const observed = srm.variants.reduce((sum, v) => sum + v.persons, 0);
  const expected = srm.variants.reduce((sum, v) => sum + v.expected_persons, 0);
  return {
    available: true,
    reason: null,
    alpha: analysis.alpha,
    correction_method: analysis.correction_method,
    guardrail_alpha: analysis.guardrail_alpha,
    computed_at: analysis.computed_at,
    sequential_restart_reason: analysis.sequential_restart_reason,
    srm: {
      checked: srm.checked,
      flagged: srm.flagged,
      sequential_p_value: srm.sequential_p_value,
      p_value: srm.p_value,
      chi_square: srm.chi_square,
      variants: srm.variants.map((v) => ({ ...v, share: ratio(v.persons, observed), expected_share: ratio(v.expected_persons, expected) })),
    },
  };
}

function metricRoles(analysis: Analysis | null, metrics: string[]): ExperimentDetail['metric_roles'] {
  return metrics.flatMap((metricId) => {
    const comparison = analysis?.comparisons.find((c) => c.metric_id === metricId);
    return comparison ? [{ metric_id: metricId, metric_role: comparison.metric_role }] : [];
  });
}

export interface DetailOptions {
  /** The metric of the series and breakdowns; the headline metric when absent or unknown. */
  metric?: string | undefined;
  now: number;
}

/** Everything the dashboard shows about one experiment. */
export function experimentDetail(entry: ExperimentEntry & { results: ResultsRecord }, options: DetailOptions): ExperimentDetail {
  const record = entry.results;
  const metrics = metricIds(record);
  const control = controlVariantId(record);
  const selected = options.metric && metrics.includes(options.metric) ? options.metric : (headlineComparison(record.analysis)?.metric_id ?? metrics[0] ?? null);
  const variants: VariantRow[] = record.variants.map((variant) => ({
    variant_id: variant.variant_id,
    variant_name: variant.variant_name,
    is_control: variant.variant_id === control,
    allocation_weight: variant.allocation_weight,
    unique_views: variant.unique_views,
    total_views: variant.total_views,
    unique_clicks: variant.unique_clicks,
    total_clicks: variant.total_clicks,
    unique_click_rate: ratio(variant.unique_clicks, variant.unique_views),
    total_click_rate: ratio(variant.total_clicks, variant.total_views),
    metrics: variantMetrics(record, variant, metrics),
  }));
  return {
    experiment: experimentSummary(record, options.now),
    control_variant_id: control,
    metrics,
    metric_roles: metricRoles(record.analysis, metrics),
    selected_metric: selected,
    variants,
    statistics: statisticsView(record.analysis),
    significant_result: record.analysis?.significant_result ?? null,
    data_quality: { clicks_on_unviewed_variants: record.data_quality.clicks_on_unviewed_variants, variant_switchers: record.data_quality.variant_switchers },
    series: conversionSeries(entry, selected),
    breakdowns: breakdownViews(entry, selected, control),
  };
}

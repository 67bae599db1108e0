import { DefinitionsCatalog, definitionKey, type ExperimentDefinition, type MetricDefinition } from '@abtest/definitions';
import { analyzeExperiment, type ExperimentConfig, type ExperimentResults as ExperimentAnalysis } from '@abtest/stats';
import { EXPOSURE_EVENT, type SegmentTrack } from './decision-events';
import type { PathFacets } from './pipeline-helpers';

/** A run of prefixes with the same facets, from the event (index in the whole traffic) that started it. */
export interface StatusRun extends PathFacets {
  fromEvent: number;
}

export interface PrefixAnalysis {
  /** The status of every prefix that touched the experiment, carrying the running minima of all earlier prefixes. */
  runs: StatusRun[];
  /** The analysis of the whole traffic computed afresh (no running minima carried). */
  final: ExperimentAnalysis;
}

/** The facets of an analysis as the results service remembers them ('' = none). */
export const analysisFacets = (analysis: ExperimentAnalysis): PathFacets => ({
  status: analysis.status,
  winner: analysis.significant_result?.outcome === 'winner' ? analysis.significant_result.variant_id : '',
});

/** The statistics configuration the processor derives from the definitions (packages/experiments/src/analysis.ts), roles from the same catalog. */
function configOf(experiment: ExperimentDefinition, metrics: MetricDefinition[], startTime: number): ExperimentConfig {
  const catalog = new DefinitionsCatalog();
  for (const metric of metrics) catalog.apply(definitionKey('metric', metric.id), JSON.stringify(metric));
  catalog.apply(definitionKey('experiment', experiment.id), JSON.stringify(experiment));
  const roles = catalog.metricRoles(experiment.id);
  return {
    experimentId: experiment.id,
    variants: experiment.variants.map((v) => ({ id: v.id, weight: v.weight })),
    controlVariantId: experiment.control_variant_id,
    metrics: metrics.map((m) => ({ id: m.id, type: m.type, inverse: m.inverse, role: roles.get(m.id) ?? 'secondary' })),
    startTime,
    alpha: experiment.alpha,
    sequentialTuningParameter: experiment.sequential_tuning_parameter,
    correction: experiment.correction,
    srmThreshold: experiment.srm_threshold,
    minRuntimeMs: experiment.min_runtime_ms,
    minPersonsPerVariant: experiment.min_persons_per_variant,
    guardrailAlpha: experiment.guardrail_alpha,
  };
}

/**
 * Analyses every prefix of the traffic that changes the experiment's counts,
 * as the processor would if it published after each event. The processor
 * analyses only some of these prefixes (one per increment it receives) and
 * carries the running minima of those alone; its status path is still
 * `collecting` then the final facets whenever
 * - the runs here are exactly those two: nothing before the change can be
 *   significant for a subset either (running minima over fewer prefixes are
 *   never lower), SRM has no memory, and the winner named from the change on
 *   follows the current direction, the same for any subset;
 * - the whole traffic analysed afresh (`final`) has the final facets, so the
 *   last record reaches them whichever prefixes came before.
 */
export function analyzePrefixes(events: SegmentTrack[], experiment: ExperimentDefinition, metrics: MetricDefinition[]): PrefixAnalysis {
  const variantOf = new Map<string, string>();
  const counts = new Map(experiment.variants.map((v) => [v.id, { n: 0, converted: new Map(metrics.map((m) => [m.id, 0])) }]));
  const startTime = experiment.start_time ?? 0;
  const config = configOf(experiment, metrics, startTime);
  const statsNow = () =>
    Object.fromEntries(
      [...counts].filter(([, c]) => c.n > 0).map(([variantId, c]) => [variantId, Object.fromEntries(metrics.map((m) => [m.id, { n: c.n, sum: c.converted.get(m.id) ?? 0, sumSquares: c.converted.get(m.id) ?? 0 }]))]),
    );
  const runs: StatusRun[] = [];
  let previous: ExperimentAnalysis | null = null;
  events.forEach((event, index) => {
    if (!touch(event)) return;
    previous = analyzeExperiment({ config, stats: statsNow(), now: startTime }, previous);
    const facets = analysisFacets(previous);
    const last = runs[runs.length - 1];
    if (!last || last.status !== facets.status || last.winner !== facets.winner) runs.push({ ...facets, fromEvent: index });
  });
  return { runs, final: analyzeExperiment({ config, stats: statsNow(), now: startTime }, null) };

  /** Counts the event if it concerns the experiment; false otherwise. */
  function touch(event: SegmentTrack): boolean {
    if (event.event === EXPOSURE_EVENT) {
      if (event.properties.experiment_id !== experiment.id || variantOf.has(event.anonymousId)) return false;
      const variantId = event.properties.variation_id ?? '';
      const variant = counts.get(variantId);
      if (!variant) return false;
      variantOf.set(event.anonymousId, variantId);
      variant.n += 1;
      return true;
    }
    const variantId = variantOf.get(event.anonymousId);
    const matching = metrics.filter((m) => m.event === event.event);
    if (variantId === undefined || matching.length === 0) return false;
    // Each generated person signs up at most once, so counted events are converted persons.
    const converted = counts.get(variantId)?.converted;
    for (const metric of matching) converted?.set(metric.id, (converted.get(metric.id) ?? 0) + 1);
    return true;
  }
}

import type { DefinitionsCatalog, ExperimentDefinition } from '@abtest/definitions';
import { analyzeExperiment, StatsInputError, type ExperimentConfig, type ExperimentResults as ExperimentAnalysis, type SufficientStatistics } from '@abtest/stats';
import { clean } from './delta';
import type { ExperimentState } from './results';

/** Variants the statistics compare: the definition's, else every variant with persons (equal weights). */
function variantsOf(state: ExperimentState, definitions: DefinitionsCatalog): { variants: ExperimentConfig['variants']; control: string } | undefined {
  const definition = definitions.experiment(state.experiment_id);
  if (definition) return { variants: definition.variants.map((v) => ({ id: v.id, weight: v.weight })), control: definition.control_variant_id };
  const seen = Object.keys(state.variants)
    .filter((id) => (state.variants[id]?.persons ?? 0) > 0)
    .sort((a, b) => a.localeCompare(b));
  if (seen.length < 2) return undefined;
  return { variants: seen.map((id) => ({ id, weight: 1 })), control: seen.includes('control') ? 'control' : (seen[0] as string) };
}

/** When the experiment's runtime starts: the definition's start time, else its first exposure, else now. */
export function startTimeOf(state: ExperimentState, definition: ExperimentDefinition | undefined, now: number): number {
  return definition?.start_time ?? state.started_at ?? now;
}

/**
 * The statistics of an experiment's current state (@abtest/stats), carrying
 * the previous analysis' running minima forward; null when there is nothing
 * to compare yet, with a note saying why.
 */
export function analyze(state: ExperimentState, definitions: DefinitionsCatalog, now: number): { analysis: ExperimentAnalysis | null; note: string | null } {
  const arms = variantsOf(state, definitions);
  const metrics = definitions.metricsFor(state.experiment_id);
  if (metrics.length === 0) return { analysis: null, note: 'no metric applies to this experiment: define one (global, or listed by the experiment)' };
  if (!arms) return { analysis: null, note: 'waiting for persons in at least two variants' };
  const definition = definitions.experiment(state.experiment_id);
  const ids = new Set(arms.variants.map((v) => v.id));
  const stats: Record<string, Record<string, SufficientStatistics>> = {};
  for (const [variantId, variant] of Object.entries(state.variants)) {
    if (!ids.has(variantId)) continue;
    const persons = variant.persons;
    stats[variantId] = Object.fromEntries(
      metrics.map((m) => {
        const figures = variant.metrics[m.id];
        const sum = (value: number | undefined) => (persons > 0 ? clean(value ?? 0) : 0);
        const statistics: SufficientStatistics = { n: persons, sum: sum(figures?.sum), sumSquares: sum(figures?.sum_squares) };
        // Persons without activity before their exposure have X = 0: absent sums are zeros.
        if (m.cuped !== null) statistics.cuped = { sumX: sum(figures?.cuped?.sum_x), sumXSquares: sum(figures?.cuped?.sum_x_squares), sumXY: sum(figures?.cuped?.sum_xy) };
        return [m.id, statistics];
      }),
    );
  }
  const roles = definitions.metricRoles(state.experiment_id);
  const config: ExperimentConfig = {
    experimentId: state.experiment_id,
    variants: arms.variants,
    controlVariantId: arms.control,
    metrics: metrics.map((m) => ({ id: m.id, type: m.type, inverse: m.inverse, role: roles.get(m.id) ?? 'secondary', cuped: m.cuped !== null })),
    startTime: startTimeOf(state, definition, now),
    ...(definition && {
      alpha: definition.alpha,
      sequentialTuningParameter: definition.sequential_tuning_parameter,
      correction: definition.correction,
      srmThreshold: definition.srm_threshold,
      minRuntimeMs: definition.min_runtime_ms,
      minPersonsPerVariant: definition.min_persons_per_variant,
      guardrailAlpha: definition.guardrail_alpha,
    }),
  };
  const previous = state.analysis?.experiment_id === state.experiment_id ? state.analysis : null;
  try {
    return { analysis: analyzeExperiment({ config, stats, now }, previous), note: null };
  } catch (error) {
    if (error instanceof StatsInputError) return { analysis: null, note: `statistics not computed: ${error.message}` };
    throw error;
  }
}

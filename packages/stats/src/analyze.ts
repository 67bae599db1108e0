/**
 * The package's entry point: sufficient statistics in, one results record out.
 */
import { compareArms, type ComparisonDraft } from './comparison';
import { isRecord, requireFinite, resolveConfig, type ResolvedConfig } from './config';
import { adjustPValues } from './corrections';
import { StatsInputError } from './errors';
import { finiteOrNull } from './numbers';
import { srmTest } from './srm';
import { decideStatus } from './status';
import { EMPTY_STATISTICS, summarize, validateStatistics } from './sufficient-statistics';
import type { ComparisonResult, ExperimentInput, ExperimentResults, SrmResult, SufficientStatistics } from './types';

type StatisticsTable = Map<string, Map<string, SufficientStatistics>>;

/** Validates input.stats against the configured variants and metrics; absent entries are empty. */
function resolveStatistics(stats: unknown, config: ResolvedConfig): StatisticsTable {
  if (!isRecord(stats)) throw new StatsInputError('stats', 'expected an object keyed by variant id, then metric id');
  const variantIds = config.variants.map((v) => v.id);
  const metricIds = config.metrics.map((m) => m.id);
  for (const variantId of Object.keys(stats)) {
    if (!variantIds.includes(variantId)) {
      throw new StatsInputError(`stats.${variantId}`, `unknown variant, expected one of ${JSON.stringify(variantIds)}`);
    }
  }
  const table: StatisticsTable = new Map();
  for (const variantId of variantIds) {
    const byMetric = stats[variantId] ?? {};
    if (!isRecord(byMetric)) throw new StatsInputError(`stats.${variantId}`, 'expected an object keyed by metric id');
    for (const metricId of Object.keys(byMetric)) {
      if (!metricIds.includes(metricId)) {
        throw new StatsInputError(`stats.${variantId}.${metricId}`, `unknown metric, expected one of ${JSON.stringify(metricIds)}`);
      }
    }
    const row = new Map<string, SufficientStatistics>();
    for (const metric of config.metrics) {
      const raw = byMetric[metric.id];
      const field = `stats.${variantId}.${metric.id}`;
      row.set(metric.id, raw === undefined ? EMPTY_STATISTICS : validateStatistics(field, raw, metric.type));
    }
    table.set(variantId, row);
  }
  return table;
}

/** Exposed persons of a variant: n is the same for all its metrics in a consistent snapshot; the largest is used. */
function personsOf(table: StatisticsTable, variantId: string): number {
  let persons = 0;
  for (const stats of table.get(variantId)?.values() ?? []) persons = Math.max(persons, stats.n);
  return persons;
}

/** SRM stays flagged once detected: a broken assignment is to be investigated, not waited out (else alerts flip with the noise). */
function srmResult(config: ResolvedConfig, persons: number[], flaggedBefore: boolean): SrmResult {
  const test = srmTest(persons, config.variants.map((v) => v.weight));
  const checked = persons.every((p) => p >= config.srmMinPersons);
  const pValue = finiteOrNull(test.pValue);
  return {
    chi_square: finiteOrNull(test.chiSquare),
    df: test.df,
    p_value: pValue,
    checked,
    flagged: flaggedBefore || (checked && pValue !== null && pValue < config.srmThreshold),
    variants: config.variants.map((v, i) => ({ variant_id: v.id, persons: persons[i], expected_persons: test.expected[i] })),
  };
}

function previousRunningMinima(previous: ExperimentResults | null | undefined, experimentId: string): Map<string, number | null> {
  const minima = new Map<string, number | null>();
  if (previous === null || previous === undefined) return minima;
  if (previous.experiment_id !== experimentId) {
    throw new StatsInputError(
      'previous.experiment_id',
      `got ${JSON.stringify(previous.experiment_id)}, expected the previous results of ${JSON.stringify(experimentId)}`,
    );
  }
  for (const c of previous.comparisons) minima.set(`${c.variant_id}\u0000${c.metric_id}`, c.sequential_p_value_running_min);
  return minima;
}

/**
 * Computes every statistic for each non-control variant × metric, the SRM
 * check, the corrected sequential decisions and the status.
 *
 * @param previous the results record returned for the previous update of the
 *   same experiment, if any; its sequential running minima are carried over
 *   so that the always-valid p-values (and with them `significant`) never
 *   move backwards. Without it each call starts a fresh running minimum.
 * @throws StatsInputError when the configuration or statistics are invalid.
 */
export function analyzeExperiment(input: ExperimentInput, previous?: ExperimentResults | null): ExperimentResults {
  const config = resolveConfig(input.config);
  const now = requireFinite('now', input.now, 'epoch milliseconds');
  const table = resolveStatistics(input.stats, config);
  const previousMinima = previousRunningMinima(previous, config.experimentId);
  const persons = config.variants.map((v) => personsOf(table, v.id));
  const srm = srmResult(config, persons, previous?.srm.flagged === true);

  const settings = {
    alpha: config.alpha,
    sequentialTuningParameter: config.sequentialTuningParameter,
    minPersonsPerVariant: config.minPersonsPerVariant,
  };
  const drafts: ComparisonDraft[] = [];
  for (const variant of config.variants) {
    if (variant.id === config.controlVariantId) continue;
    for (const metric of config.metrics) {
      const control = summarize(table.get(config.controlVariantId)?.get(metric.id) ?? EMPTY_STATISTICS, metric.type);
      const treated = summarize(table.get(variant.id)?.get(metric.id) ?? EMPTY_STATISTICS, metric.type);
      const previousMin = previousMinima.get(`${variant.id}\u0000${metric.id}`);
      drafts.push(compareArms(variant.id, metric, control, treated, settings, previousMin));
    }
  }
  const adjusted = adjustPValues(drafts.map((d) => d.sequential_p_value_running_min), config.correction);
  const comparisons: ComparisonResult[] = drafts.map((d, i) => {
    const p = adjusted[i];
    return { ...d, sequential_p_value_adjusted: p, sequential_significant: p !== null && p < config.alpha };
  });

  const runtimeMs = Math.max(0, now - config.startTime);
  const decision = decideStatus({
    srm,
    srmThreshold: config.srmThreshold,
    runtimeMs,
    minRuntimeMs: config.minRuntimeMs,
    persons: config.variants.map((v, i) => ({ variantId: v.id, persons: persons[i] })),
    minPersonsPerVariant: config.minPersonsPerVariant,
    comparisons,
    metrics: config.metrics,
    correction: config.correction,
    alpha: config.alpha,
  });

  return {
    experiment_id: config.experimentId,
    computed_at: now,
    control_variant_id: config.controlVariantId,
    runtime_ms: runtimeMs,
    alpha: config.alpha,
    correction_method: config.correction,
    sequential_tuning_parameter: config.sequentialTuningParameter,
    srm,
    comparisons,
    ...decision,
  };
}

/**
 * The package's entry point: sufficient statistics in, one results record out.
 */
import { carriedState, comparisonKey } from './carried-state';
import { compareArms, type ComparisonDraft } from './comparison';
import { isRecord, requireFinite, resolveConfig, type ResolvedConfig } from './config';
import { StatsInputError } from './errors';
import { guardrailFailures, judgeComparisons } from './metric-roles';
import { finiteOrNull } from './numbers';
import { runningMinimum } from './sequential';
import { srmTest } from './srm';
import { srmSequentialTest } from './srm-sequential';
import { decideStatus } from './status';
import { EMPTY_STATISTICS, validateStatistics } from './sufficient-statistics';
import type { ExperimentInput, ExperimentResults, PreviousExperimentResults, SrmResult, SufficientStatistics } from './types';

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
      row.set(metric.id, raw === undefined ? EMPTY_STATISTICS : validateStatistics(field, raw, metric.type, metric.cuped));
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

/**
 * The chi-square p-value is informative; the flag comes from the anytime-valid
 * test's running minimum, so it is permanent by construction and its
 * lifetime false-alarm rate is at most srmThreshold however often this runs.
 */
function srmResult(config: ResolvedConfig, persons: number[], previousRunningMin: number | null): SrmResult {
  const weights = config.variants.map((v) => v.weight);
  const test = srmTest(persons, weights);
  const checked = persons.every((p) => p >= config.srmMinPersons);
  const sequential = checked ? runningMinimum(previousRunningMin, finiteOrNull(srmSequentialTest(persons, weights).pValue)) : previousRunningMin;
  return {
    chi_square: finiteOrNull(test.chiSquare),
    df: test.df,
    p_value: finiteOrNull(test.pValue),
    checked,
    flagged: checked && sequential !== null && sequential < config.srmThreshold,
    variants: config.variants.map((v, i) => ({ variant_id: v.id, persons: persons[i], expected_persons: test.expected[i] })),
    sequential_p_value: sequential,
  };
}

/**
 * Computes every statistic for each non-control variant × metric, the SRM
 * check, the corrected sequential decisions and the status.
 *
 * @param previous the results record returned for the previous update of the
 *   same experiment, if any; its sequential state (running minima, running
 *   intersections of the confidence sequences, the SRM running minimum) is
 *   carried over so that significance and its direction never move
 *   backwards (carried-state.ts: it restarts when alpha, N*, the guardrail
 *   alpha or the weights change). Without it each call starts afresh.
 * @throws StatsInputError when the configuration or statistics are invalid.
 */
export function analyzeExperiment(input: ExperimentInput, previous?: PreviousExperimentResults | null): ExperimentResults {
  const config = resolveConfig(input.config);
  const now = requireFinite('now', input.now, 'epoch milliseconds');
  const table = resolveStatistics(input.stats, config);
  const carried = carriedState(previous, config);
  const persons = config.variants.map((v) => personsOf(table, v.id));
  const srm = srmResult(config, persons, carried.srmRunningMin);

  const settings = {
    alpha: config.alpha,
    guardrailAlpha: config.guardrailAlpha,
    sequentialTuningParameter: config.sequentialTuningParameter,
    minPersonsPerVariant: config.minPersonsPerVariant,
  };
  const drafts: ComparisonDraft[] = [];
  for (const variant of config.variants) {
    if (variant.id === config.controlVariantId) continue;
    for (const metric of config.metrics) {
      const control = table.get(config.controlVariantId)?.get(metric.id) ?? EMPTY_STATISTICS;
      const treated = table.get(variant.id)?.get(metric.id) ?? EMPTY_STATISTICS;
      drafts.push(compareArms(variant.id, metric, control, treated, settings, carried.comparisons.get(comparisonKey(variant.id, metric.id))));
    }
  }
  const comparisons = judgeComparisons(drafts, {
    alpha: config.alpha,
    guardrailAlpha: config.guardrailAlpha,
    correction: config.correction,
    metrics: config.metrics,
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
    guardrailFailures: guardrailFailures(comparisons, config.metrics),
    correction: config.correction,
    alpha: config.alpha,
    guardrailAlpha: config.guardrailAlpha,
  });

  return {
    experiment_id: config.experimentId,
    computed_at: now,
    control_variant_id: config.controlVariantId,
    runtime_ms: runtimeMs,
    alpha: config.alpha,
    correction_method: config.correction,
    sequential_tuning_parameter: config.sequentialTuningParameter,
    guardrail_alpha: config.guardrailAlpha,
    sequential_restart_reason: carried.restartReason,
    srm,
    comparisons,
    ...decision,
  };
}

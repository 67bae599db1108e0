/**
 * The sequential state an update carries over from the previous results
 * record of the same experiment: per comparison the running minima of the
 * p-values and the running intersections of the confidence sequences, and
 * the SRM test's running minimum. All of it is read from the record itself
 * (the caller keeps the record, nothing else).
 *
 * A running minimum or intersection is only meaningful under the settings it
 * was computed with: when alpha, N* or the guardrail alpha change, the
 * comparisons' state restarts; when CUPED is switched on or off for a metric
 * (another estimator, whose sequences the old ones do not bound), that
 * metric's comparisons restart; when the allocation weights change, the SRM
 * state does. The results record says so in `sequential_restart_reason`.
 */
import type { ResolvedConfig } from './config';
import { StatsInputError } from './errors';
import type { Interval } from './sequential';
import type { EffectResult, PreviousExperimentResults } from './types';

/** Shares derived from expected persons agree to rounding; a real change of weights is far larger. */
const SHARE_TOLERANCE = 1e-9;

export interface CarriedComparison {
  runningMin: number | null;
  /** Running intersections, null until monitoring started. */
  absolute: Interval | null;
  relative: Interval | null;
  conflict: boolean;
  guardrailRunningMin: number | null;
}

export interface CarriedState {
  /** By comparisonKey(variant, metric). */
  comparisons: Map<string, CarriedComparison>;
  srmRunningMin: number | null;
  restartReason: string | null;
}

export const comparisonKey = (variantId: string, metricId: string): string => `${variantId}\u0000${metricId}`;

const NOTHING: CarriedState = { comparisons: new Map(), srmRunningMin: null, restartReason: null };

function intervalOf(effect: EffectResult): Interval | null {
  return effect.cs_lower === null || effect.cs_upper === null ? null : { lower: effect.cs_lower, upper: effect.cs_upper };
}

function settingChanges(previous: PreviousExperimentResults, config: ResolvedConfig): string[] {
  const changes: string[] = [];
  if (previous.alpha !== config.alpha) changes.push(`alpha changed from ${previous.alpha} to ${config.alpha}`);
  if (previous.sequential_tuning_parameter !== config.sequentialTuningParameter) {
    changes.push(`sequential tuning parameter changed from ${previous.sequential_tuning_parameter} to ${config.sequentialTuningParameter}`);
  }
  if (previous.guardrail_alpha !== undefined && previous.guardrail_alpha !== null && previous.guardrail_alpha !== config.guardrailAlpha) {
    changes.push(`guardrail alpha changed from ${previous.guardrail_alpha} to ${config.guardrailAlpha}`);
  }
  return changes;
}

/** Same variants in the same order with the same normalised weights as the previous SRM check. */
function sameAllocation(previous: PreviousExperimentResults, config: ResolvedConfig): boolean {
  const before = previous.srm.variants;
  if (before.length !== config.variants.length) return false;
  const expectedTotal = before.reduce((a, v) => a + v.expected_persons, 0);
  const weightTotal = config.variants.reduce((a, v) => a + v.weight, 0);
  return before.every((v, i) => {
    const now = config.variants[i];
    return v.variant_id === now.id && Math.abs(v.expected_persons / expectedTotal - now.weight / weightTotal) <= SHARE_TOLERANCE;
  });
}

type PreviousComparison = PreviousExperimentResults['comparisons'][number];

/** A comparison's state exists once monitoring started (the running minima and intersections start together). */
const hasState = (c: PreviousComparison): boolean => c.sequential_p_value_running_min !== null || (c.guardrail_p_value_running_min ?? null) !== null;

/**
 * A previous comparison was CUPED-adjusted iff it reported `cuped`: that is
 * null only with CUPED off or before both arms had two persons, when
 * monitoring had not started either (records before CUPED: off).
 */
const usedCuped = (c: PreviousComparison): boolean => c.cuped !== undefined && c.cuped !== null;

interface CarriedComparisons {
  comparisons: Map<string, CarriedComparison>;
  /** Metrics whose state was dropped because CUPED was switched, with the new setting. */
  switched: Map<string, boolean>;
}

function carriedComparisons(previous: PreviousExperimentResults, config: ResolvedConfig): CarriedComparisons {
  const comparisons = new Map<string, CarriedComparison>();
  const switched = new Map<string, boolean>();
  const cupedOf = new Map(config.metrics.map((m) => [m.id, m.cuped]));
  for (const c of previous.comparisons) {
    const cuped = cupedOf.get(c.metric_id);
    // A metric no longer configured has nothing to carry.
    if (cuped === undefined) continue;
    if (hasState(c) && usedCuped(c) !== cuped) {
      switched.set(c.metric_id, cuped);
      continue;
    }
    // Intersections exist once monitoring started, which is when the running minimum did.
    const started = c.sequential_p_value_running_min !== null;
    comparisons.set(comparisonKey(c.variant_id, c.metric_id), {
      runningMin: c.sequential_p_value_running_min,
      absolute: started ? intervalOf(c.absolute_difference) : null,
      relative: started ? intervalOf(c.relative_lift) : null,
      conflict: c.cs_conflict === true,
      guardrailRunningMin: c.guardrail_p_value_running_min ?? null,
    });
  }
  return { comparisons, switched };
}

function estimatorChanges(switched: Map<string, boolean>): string[] {
  return [...switched].map(([metricId, cuped]) => `CUPED switched ${cuped ? 'on' : 'off'} for ${metricId}: its running minima and confidence-sequence intersections restarted`);
}

export function carriedState(previous: PreviousExperimentResults | null | undefined, config: ResolvedConfig): CarriedState {
  if (previous === null || previous === undefined) return NOTHING;
  if (previous.experiment_id !== config.experimentId) {
    throw new StatsInputError(
      'previous.experiment_id',
      `got ${JSON.stringify(previous.experiment_id)}, expected the previous results of ${JSON.stringify(config.experimentId)}`,
    );
  }
  const reasons: string[] = [];
  const changes = settingChanges(previous, config);
  if (changes.length > 0) reasons.push(`${changes.join(', ')}: running minima and confidence-sequence intersections restarted`);
  const carried: CarriedComparisons = changes.length > 0 ? { comparisons: new Map(), switched: new Map() } : carriedComparisons(previous, config);
  reasons.push(...estimatorChanges(carried.switched));
  const allocationKept = sameAllocation(previous, config);
  if (!allocationKept && previous.srm.sequential_p_value !== undefined && previous.srm.sequential_p_value !== null) {
    reasons.push('allocation weights changed: the SRM sequential p-value restarted');
  }
  return {
    comparisons: carried.comparisons,
    srmRunningMin: allocationKept ? (previous.srm.sequential_p_value ?? null) : null,
    restartReason: reasons.length > 0 ? reasons.join('; ') : null,
  };
}

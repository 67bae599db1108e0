/**
 * One variant against the control on one metric: every statistic except
 * the multiple-comparison adjustment, which needs the whole family.
 */
import { bayesianTest } from './bayesian';
import { absoluteEffect, relativeEffect, welchDegreesOfFreedom, type Effect } from './effects';
import { welchTTest, type FixedHorizonResult } from './frequentist';
import { finiteOrNull } from './numbers';
import type { CarriedComparison } from './carried-state';
import {
  intersectConfidenceSequences,
  oneSidedSequentialPValue,
  runningMinimum,
  sequentialTest,
  sideOf,
  type Intersection,
  type Interval,
  type SequentialResult,
} from './sequential';
import type { ArmSummary } from './sufficient-statistics';
import type { ArmResult, ComparisonResult, EffectResult, MetricConfig } from './types';

/** Welch's df needs n - 1 ≥ 1 in both arms. */
const MIN_PERSONS_FOR_INFERENCE = 2;

export interface ComparisonSettings {
  alpha: number;
  guardrailAlpha: number;
  sequentialTuningParameter: number;
  /** Sequential p-values enter the running minimum only once both arms have this many persons. */
  minPersonsPerVariant: number;
}

/** Everything but what needs the whole family (adjusted p-values and verdicts). */
export type ComparisonDraft = Omit<
  ComparisonResult,
  'sequential_p_value_adjusted' | 'sequential_significant' | 'verdict' | 'guardrail_p_value_adjusted'
>;

const NOT_STARTED: CarriedComparison = { runningMin: null, absolute: null, relative: null, conflict: false, guardrailRunningMin: null };

const EMPTY_EFFECT: EffectResult = {
  estimate: null,
  std_error: null,
  ci_lower: null,
  ci_upper: null,
  cs_lower: null,
  cs_upper: null,
};

function armResult(arm: ArmSummary): ArmResult {
  return { n: arm.n, mean: finiteOrNull(arm.mean), std_dev: arm.variance === null ? null : finiteOrNull(Math.sqrt(arm.variance)) };
}

interface Inference {
  effect: Effect;
  fixed: FixedHorizonResult;
  sequential: SequentialResult;
}

function infer(effect: Effect | null, df: number | null, totalPersons: number, settings: ComparisonSettings): Inference | null {
  if (effect === null || df === null) return null;
  return {
    effect,
    fixed: welchTTest(effect, df, settings.alpha),
    sequential: sequentialTest(effect, totalPersons, settings.alpha, settings.sequentialTuningParameter),
  };
}

/** This update's confidence sequence, when defined and finite. */
function currentSequence(inference: Inference | null): Interval | null {
  if (inference === null) return null;
  const { csLower, csUpper } = inference.sequential;
  return Number.isFinite(csLower) && Number.isFinite(csUpper) ? { lower: csLower, upper: csUpper } : null;
}

/** Once monitoring started the reported sequence is the running intersection, before it the current one. */
function reportedSequence(inference: Inference | null, running: Interval | null, monitoring: boolean): Intersection {
  const current = currentSequence(inference);
  return monitoring ? intersectConfidenceSequences(running, current) : { interval: current, conflict: false };
}

/** The carried intersection stays reported even at an update where the effect is undefined. */
function effectResult(inference: Inference | null, sequence: Intersection): EffectResult {
  const cs = { cs_lower: sequence.interval?.lower ?? null, cs_upper: sequence.interval?.upper ?? null };
  if (inference === null) return { ...EMPTY_EFFECT, ...cs };
  return {
    estimate: finiteOrNull(inference.effect.estimate),
    std_error: finiteOrNull(inference.effect.standardError),
    ci_lower: finiteOrNull(inference.fixed.ciLower),
    ci_upper: finiteOrNull(inference.fixed.ciUpper),
    ...cs,
  };
}

function directionOf(estimate: number | null): 'increase' | 'decrease' | null {
  if (estimate === null || estimate === 0) return null;
  return estimate > 0 ? 'increase' : 'decrease';
}

/** The harmful direction of a guardrail: an increase of an inverse metric (errors), else a decrease. */
function harmfulDirection(metric: Required<MetricConfig>): 'increase' | 'decrease' {
  return metric.inverse ? 'increase' : 'decrease';
}

function guardrailPValue(absolute: Inference | null, totalPersons: number, metric: Required<MetricConfig>, settings: ComparisonSettings): number | null {
  if (metric.role !== 'guardrail' || absolute === null) return null;
  return finiteOrNull(
    oneSidedSequentialPValue(absolute.effect, totalPersons, settings.guardrailAlpha, settings.sequentialTuningParameter, harmfulDirection(metric)),
  );
}

export function compareArms(
  variantId: string,
  metric: Required<MetricConfig>,
  control: ArmSummary,
  variant: ArmSummary,
  settings: ComparisonSettings,
  carried: CarriedComparison = NOT_STARTED,
): ComparisonDraft {
  const totalPersons = control.n + variant.n;
  const df = welchDegreesOfFreedom(control, variant);
  const absolute = infer(absoluteEffect(control, variant), df, totalPersons, settings);
  const relative = infer(relativeEffect(control, variant), df, totalPersons, settings);
  const bayesian = relative !== null ? bayesianTest(relative.effect, metric.inverse) : null;

  const sequentialPValue = finiteOrNull(absolute?.sequential.pValue);
  const guardrailP = guardrailPValue(absolute, totalPersons, metric, settings);
  // Monitoring (running minima and intersections, always together so that they stay dual) starts once
  // both arms have the minimum persons, and then never stops.
  const burnInDone = Math.min(control.n, variant.n) >= Math.max(settings.minPersonsPerVariant, MIN_PERSONS_FOR_INFERENCE);
  const monitoring = burnInDone || carried.runningMin !== null;
  const absoluteSequence = reportedSequence(absolute, carried.absolute, monitoring);
  const relativeSequence = reportedSequence(relative, carried.relative, monitoring);
  const guardrailRunningMin = monitoring ? runningMinimum(carried.guardrailRunningMin, guardrailP) : null;

  return {
    variant_id: variantId,
    metric_id: metric.id,
    metric_type: metric.type,
    control: armResult(control),
    variant: armResult(variant),
    absolute_difference: effectResult(absolute, absoluteSequence),
    relative_lift: effectResult(relative, relativeSequence),
    welch_t: finiteOrNull(absolute?.fixed.t),
    welch_df: finiteOrNull(absolute?.fixed.df),
    fixed_horizon_p_value: finiteOrNull(absolute?.fixed.pValue),
    sequential_p_value: sequentialPValue,
    sequential_p_value_running_min: monitoring ? runningMinimum(carried.runningMin, sequentialPValue) : null,
    direction: sideOf(absoluteSequence.interval) ?? directionOf(absolute?.effect.estimate ?? null),
    chance_to_beat_control: finiteOrNull(bayesian?.chanceToBeatControl),
    risk_variant: finiteOrNull(bayesian?.riskVariant),
    risk_control: finiteOrNull(bayesian?.riskControl),
    metric_role: metric.role,
    cs_conflict: carried.conflict || absoluteSequence.conflict || relativeSequence.conflict,
    guardrail_p_value: guardrailP,
    guardrail_p_value_running_min: guardrailRunningMin,
  };
}

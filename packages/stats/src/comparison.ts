/**
 * One variant against the control on one metric: every statistic except
 * the multiple-comparison adjustment, which needs the whole family.
 */
import { bayesianTest } from './bayesian';
import { cupedEstimate, varianceReduction, type CupedEstimate } from './cuped';
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
import { summarize, type ArmSummary } from './sufficient-statistics';
import type { ArmResult, ComparisonResult, CupedResult, EffectResult, FixedHorizonEffect, MetricConfig, SufficientStatistics } from './types';

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

const EMPTY_FIXED_HORIZON_EFFECT: FixedHorizonEffect = { estimate: null, std_error: null, ci_lower: null, ci_upper: null };

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

function fixedHorizonEffect(effect: Effect, fixed: FixedHorizonResult): FixedHorizonEffect {
  return {
    estimate: finiteOrNull(effect.estimate),
    std_error: finiteOrNull(effect.standardError),
    ci_lower: finiteOrNull(fixed.ciLower),
    ci_upper: finiteOrNull(fixed.ciUpper),
  };
}

/** The carried intersection stays reported even at an update where the effect is undefined. */
function effectResult(inference: Inference | null, sequence: Intersection): EffectResult {
  const cs = { cs_lower: sequence.interval?.lower ?? null, cs_upper: sequence.interval?.upper ?? null };
  if (inference === null) return { ...EMPTY_FIXED_HORIZON_EFFECT, ...cs };
  return { ...fixedHorizonEffect(inference.effect, inference.fixed), ...cs };
}

/** The effects a comparison's inference is made on: raw, or CUPED-adjusted. */
interface Estimates {
  absolute: Effect | null;
  relative: Effect | null;
  /** Welch–Satterthwaite on the arms' (adjusted) variances, as GrowthBook does for CUPED too. */
  df: number | null;
}

function rawEstimates(control: ArmSummary, variant: ArmSummary): Estimates {
  return { absolute: absoluteEffect(control, variant), relative: relativeEffect(control, variant), df: welchDegreesOfFreedom(control, variant) };
}

function adjustedEstimates(cuped: CupedEstimate): Estimates {
  return { ...rawEstimates(cuped.control, cuped.variant), relative: cuped.relative };
}

function fixedHorizonOnly(effect: Effect | null, df: number | null, alpha: number): FixedHorizonEffect {
  return effect === null || df === null ? EMPTY_FIXED_HORIZON_EFFECT : fixedHorizonEffect(effect, welchTTest(effect, df, alpha));
}

function cupedResult(cuped: CupedEstimate, raw: Estimates, control: ArmSummary, variant: ArmSummary, alpha: number): CupedResult {
  return {
    theta: cuped.theta,
    variance_reduction: finiteOrNull(varianceReduction(control, variant, cuped)),
    raw_absolute_difference: fixedHorizonOnly(raw.absolute, raw.df, alpha),
    raw_relative_lift: fixedHorizonOnly(raw.relative, raw.df, alpha),
    control_adjusted_mean: finiteOrNull(cuped.control.mean),
    variant_adjusted_mean: finiteOrNull(cuped.variant.mean),
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

/**
 * With CUPED on for the metric, every effect, test and sequence is computed
 * on the adjusted estimates; the raw ones are kept in `cuped`.
 */
export function compareArms(
  variantId: string,
  metric: Required<MetricConfig>,
  controlStatistics: SufficientStatistics,
  variantStatistics: SufficientStatistics,
  settings: ComparisonSettings,
  carried: CarriedComparison = NOT_STARTED,
): ComparisonDraft {
  const control = summarize(controlStatistics, metric.type);
  const variant = summarize(variantStatistics, metric.type);
  const raw = rawEstimates(control, variant);
  const cuped = metric.cuped ? cupedEstimate(controlStatistics, variantStatistics, metric.type) : null;
  const estimates = cuped === null ? raw : adjustedEstimates(cuped);
  const totalPersons = control.n + variant.n;
  const absolute = infer(estimates.absolute, estimates.df, totalPersons, settings);
  const relative = infer(estimates.relative, estimates.df, totalPersons, settings);
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
    cuped: cuped === null ? null : cupedResult(cuped, raw, control, variant, settings.alpha),
  };
}

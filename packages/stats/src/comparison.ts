/**
 * One variant against the control on one metric: every statistic except
 * the multiple-comparison adjustment, which needs the whole family.
 */
import { bayesianTest } from './bayesian';
import { absoluteEffect, relativeEffect, welchDegreesOfFreedom, type Effect } from './effects';
import { welchTTest, type FixedHorizonResult } from './frequentist';
import { finiteOrNull } from './numbers';
import { runningMinimum, sequentialTest, type SequentialResult } from './sequential';
import type { ArmSummary } from './sufficient-statistics';
import type { ArmResult, ComparisonResult, EffectResult, MetricConfig } from './types';

/** Welch's df needs n - 1 ≥ 1 in both arms. */
const MIN_PERSONS_FOR_INFERENCE = 2;

export interface ComparisonSettings {
  alpha: number;
  sequentialTuningParameter: number;
  /** Sequential p-values enter the running minimum only once both arms have this many persons. */
  minPersonsPerVariant: number;
}

export type ComparisonDraft = Omit<ComparisonResult, 'sequential_p_value_adjusted' | 'sequential_significant'>;

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

function effectResult(inference: Inference | null): EffectResult {
  if (inference === null) return { ...EMPTY_EFFECT };
  const { effect, fixed, sequential } = inference;
  return {
    estimate: finiteOrNull(effect.estimate),
    std_error: finiteOrNull(effect.standardError),
    ci_lower: finiteOrNull(fixed.ciLower),
    ci_upper: finiteOrNull(fixed.ciUpper),
    cs_lower: finiteOrNull(sequential.csLower),
    cs_upper: finiteOrNull(sequential.csUpper),
  };
}

function directionOf(estimate: number | null): 'increase' | 'decrease' | null {
  if (estimate === null || estimate === 0) return null;
  return estimate > 0 ? 'increase' : 'decrease';
}

export function compareArms(
  variantId: string,
  metric: Required<MetricConfig>,
  control: ArmSummary,
  variant: ArmSummary,
  settings: ComparisonSettings,
  previousRunningMin: number | null | undefined,
): ComparisonDraft {
  const totalPersons = control.n + variant.n;
  const df = welchDegreesOfFreedom(control, variant);
  const absolute = infer(absoluteEffect(control, variant), df, totalPersons, settings);
  const relative = infer(relativeEffect(control, variant), df, totalPersons, settings);
  const bayesian = relative !== null ? bayesianTest(relative.effect, metric.inverse) : null;

  const sequentialPValue = finiteOrNull(absolute?.sequential.pValue);
  const burnInDone = Math.min(control.n, variant.n) >= Math.max(settings.minPersonsPerVariant, MIN_PERSONS_FOR_INFERENCE);
  const runningMin = burnInDone ? runningMinimum(previousRunningMin, sequentialPValue) : finiteOrNull(previousRunningMin);

  return {
    variant_id: variantId,
    metric_id: metric.id,
    metric_type: metric.type,
    control: armResult(control),
    variant: armResult(variant),
    absolute_difference: effectResult(absolute),
    relative_lift: effectResult(relative),
    welch_t: finiteOrNull(absolute?.fixed.t),
    welch_df: finiteOrNull(absolute?.fixed.df),
    fixed_horizon_p_value: finiteOrNull(absolute?.fixed.pValue),
    sequential_p_value: sequentialPValue,
    sequential_p_value_running_min: runningMin,
    direction: directionOf(absolute?.effect.estimate ?? null),
    chance_to_beat_control: finiteOrNull(bayesian?.chanceToBeatControl),
    risk_variant: finiteOrNull(bayesian?.riskVariant),
    risk_control: finiteOrNull(bayesian?.riskControl),
  };
}

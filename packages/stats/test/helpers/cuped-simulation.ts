/**
 * Seeded simulations of continuously monitored experiments analysed with
 * CUPED: each person has a pre-exposure value X and a post-exposure value Y,
 * correlated; persons arrive in updates and analyzeExperiment runs after
 * every one with the previous record carried. Used by cuped-simulation.test.ts
 * and by `npm run sim:cuped`.
 */
import { analyzeExperiment } from '../../src/analyze';
import type { ExperimentConfig, ExperimentResults, SufficientStatistics } from '../../src/types';
import { mulberry32, type Random } from './prng';

/** Draws one person's (X, Y). */
export type PairModel = (random: Random) => readonly [x: number, y: number];

/** Standard bivariate normal with correlation rho; `shift` is added to Y (the effect). */
export const bivariateNormal =
  (rho: number, shift = 0): PairModel =>
  (random) => {
    const x = random.normal();
    return [x, rho * x + Math.sqrt(1 - rho * rho) * random.normal() + shift];
  };

/** Right-skewed revenue: lognormal(μ, σ) X and Y whose logs have correlation rhoLog. */
export const bivariateLognormal =
  (mu: number, sigma: number, rhoLog: number): PairModel =>
  (random) => {
    const [a, b] = bivariateNormal(rhoLog)(random);
    return [Math.exp(mu + sigma * a), Math.exp(mu + sigma * b)];
  };

export interface CupedSimulationOptions {
  experiments: number;
  updates: number;
  /** Persons added to each arm at each update (an exact 1:1 split). */
  personsPerUpdate: number;
  control: PairModel;
  variant: PairModel;
  seed: number;
  alpha: number;
  minPersonsPerVariant: number;
}

export interface CupedSimulationResult {
  experiments: number;
  /** Share of experiments whose status was `significant` (CUPED-adjusted sequential test, running minimum) at some update. */
  sequentialRate: number;
  /** Mean and extremes over experiments of `variance_reduction` at the last update. */
  varianceReduction: { mean: number; min: number; max: number };
  /** Mean over experiments of the fixed-horizon CI width, adjusted / raw, at the last update. */
  ciWidthRatio: number;
  /** Mean over experiments of the confidence-sequence width at the last update, CUPED / the same data without CUPED. */
  csWidthRatio: number;
}

function emptyArm(): Required<SufficientStatistics> {
  return { n: 0, sum: 0, sumSquares: 0, cuped: { sumX: 0, sumXSquares: 0, sumXY: 0 } };
}

function addPersons(arm: Required<SufficientStatistics>, count: number, model: PairModel, random: Random): void {
  for (let i = 0; i < count; i += 1) {
    const [x, y] = model(random);
    arm.sum += y;
    arm.sumSquares += y * y;
    arm.cuped.sumX += x;
    arm.cuped.sumXSquares += x * x;
    arm.cuped.sumXY += x * y;
  }
  arm.n += count;
}

const copy = (arm: Required<SufficientStatistics>): SufficientStatistics => ({ ...arm, cuped: { ...arm.cuped } });

const width = (lower: number | null, upper: number | null): number => (lower === null || upper === null ? NaN : upper - lower);

export function simulateCuped(options: CupedSimulationOptions): CupedSimulationResult {
  const config = (cuped: boolean): ExperimentConfig => ({
    experimentId: 'cuped-simulated',
    variants: [
      { id: 'control', weight: 1 },
      { id: 'treatment', weight: 1 },
    ],
    controlVariantId: 'control',
    metrics: [{ id: 'metric', type: 'value', cuped }],
    startTime: 0,
    alpha: options.alpha,
    minPersonsPerVariant: options.minPersonsPerVariant,
  });
  const adjustedConfig = config(true);
  let fired = 0;
  const reductions: number[] = [];
  let ciRatios = 0;
  let csRatios = 0;
  for (let e = 0; e < options.experiments; e += 1) {
    const random = mulberry32(options.seed + e);
    const control = emptyArm();
    const treatment = emptyArm();
    let previous: ExperimentResults | null = null;
    let significant = false;
    for (let u = 1; u <= options.updates; u += 1) {
      addPersons(control, options.personsPerUpdate, options.control, random);
      addPersons(treatment, options.personsPerUpdate, options.variant, random);
      const results: ExperimentResults = analyzeExperiment(
        { config: adjustedConfig, stats: { control: { metric: copy(control) }, treatment: { metric: copy(treatment) } }, now: u },
        previous,
      );
      previous = results;
      significant ||= results.status === 'significant';
    }
    if (significant) fired += 1;
    const last = previous?.comparisons[0];
    const cuped = last?.cuped;
    if (last === undefined || cuped === null || cuped === undefined || cuped.variance_reduction === null) throw new Error(`experiment ${e}: no CUPED result at the last update`);
    reductions.push(cuped.variance_reduction);
    ciRatios += width(last.absolute_difference.ci_lower, last.absolute_difference.ci_upper) / width(cuped.raw_absolute_difference.ci_lower, cuped.raw_absolute_difference.ci_upper);
    // The same final data without CUPED, at a single look: the current confidence sequences compare like for like.
    const rawLook = analyzeExperiment({ config: config(false), stats: { control: { metric: copy(control) }, treatment: { metric: copy(treatment) } }, now: 0 }).comparisons[0];
    const adjustedLook = analyzeExperiment({ config: adjustedConfig, stats: { control: { metric: copy(control) }, treatment: { metric: copy(treatment) } }, now: 0 }).comparisons[0];
    csRatios += width(adjustedLook.absolute_difference.cs_lower, adjustedLook.absolute_difference.cs_upper) / width(rawLook.absolute_difference.cs_lower, rawLook.absolute_difference.cs_upper);
  }
  const n = options.experiments;
  return {
    experiments: n,
    sequentialRate: fired / n,
    varianceReduction: { mean: reductions.reduce((a, b) => a + b, 0) / n, min: Math.min(...reductions), max: Math.max(...reductions) },
    ciWidthRatio: ciRatios / n,
    csWidthRatio: csRatios / n,
  };
}

/** Wilson's 95% upper bound of a proportion: how high the true rate could be, having seen `rate` of `n`. */
export function wilsonUpper(rate: number, n: number): number {
  const z = 1.959964;
  const centre = rate + (z * z) / (2 * n);
  const spread = z * Math.sqrt((rate * (1 - rate)) / n + (z * z) / (4 * n * n));
  return (centre + spread) / (1 + (z * z) / n);
}

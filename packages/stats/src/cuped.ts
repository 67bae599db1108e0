/**
 * CUPED (Deng, Xu, Kohavi & Walker 2013): regression adjustment on each
 * person's pre-exposure value X of the metric, exactly as GrowthBook
 * computes it (docs.growthbook.io/statistics/cuped-technical; gbstats'
 * RegressionAdjustedStatistic, compute_theta and
 * frequentist_variance_relative_cuped).
 *
 * For one comparison, θ = Cov(X, Y) / Var(X) over the persons of both arms
 * together, and each arm's adjusted mean and per-person variance are
 *
 *   Ȳ − θX̄,   σ²_Y + θ²σ²_X − 2θσ_XY   (arm moments).
 *
 * The absolute difference of the adjusted means and its Welch standard error
 * and degrees of freedom then follow from the adjusted arms as for raw ones.
 * The relative lift divides by the *unadjusted* control mean Ȳ_C and has the
 * delta-method variance, with r = Ȳ_T / Ȳ_C,
 *
 *   [ (σ²_YT + θ²σ²_XT − 2θσ_XY,T)/N_T + (r²σ²_YC − 2θrσ_XY,C + θ²σ²_XC)/N_C ] / Ȳ_C².
 *
 * Moments as GrowthBook's statistics: for a conversion metric (X and Y 0/1)
 * the Bernoulli variances p(1 − p) and the covariance ΣXY/n − X̄Ȳ; for a value
 * metric the unbiased (n − 1) variances and covariance.
 */
import { effectOrNull, type Effect } from './effects';
import type { ArmSummary } from './sufficient-statistics';
import type { CupedStatistics, MetricType, SufficientStatistics } from './types';

/**
 * A pooled variance of X (or Y) this small relative to the mean square is
 * rounding noise of a constant column (e.g. every X equal), not a variance:
 * θ is then 0 rather than noise divided by noise.
 */
const CONSTANT_COLUMN_TOLERANCE = 1e-12;

const NO_PRE_EXPOSURE: CupedStatistics = { sumX: 0, sumXSquares: 0, sumXY: 0 };

/** One arm's (or the pooled arms') per-person moments of X and Y; n ≥ 2. */
interface Moments {
  n: number;
  meanY: number;
  meanX: number;
  varianceY: number;
  varianceX: number;
  covariance: number;
  /** ΣX²/n and ΣY²/n: the scales of the variances. */
  meanSquareX: number;
  meanSquareY: number;
}

function momentsOf(stats: SufficientStatistics, type: MetricType): Moments | null {
  const { n, sum, sumSquares } = stats;
  if (n < 2) return null;
  const { sumX, sumXSquares, sumXY } = stats.cuped ?? NO_PRE_EXPOSURE;
  const meanY = sum / n;
  const meanX = sumX / n;
  const scales = { n, meanY, meanX, meanSquareX: sumXSquares / n, meanSquareY: sumSquares / n };
  if (type === 'conversion') {
    return { ...scales, varianceY: meanY * (1 - meanY), varianceX: meanX * (1 - meanX), covariance: sumXY / n - meanX * meanY };
  }
  return {
    ...scales,
    varianceY: Math.max(0, (sumSquares - sum * meanY) / (n - 1)),
    varianceX: Math.max(0, (sumXSquares - sumX * meanX) / (n - 1)),
    covariance: (sumXY - sumX * meanY) / (n - 1),
  };
}

function pool(a: SufficientStatistics, b: SufficientStatistics): SufficientStatistics {
  const x = a.cuped ?? NO_PRE_EXPOSURE;
  const y = b.cuped ?? NO_PRE_EXPOSURE;
  return {
    n: a.n + b.n,
    sum: a.sum + b.sum,
    sumSquares: a.sumSquares + b.sumSquares,
    cuped: { sumX: x.sumX + y.sumX, sumXSquares: x.sumXSquares + y.sumXSquares, sumXY: x.sumXY + y.sumXY },
  };
}

const isConstant = (variance: number, meanSquare: number): boolean => !(variance > CONSTANT_COLUMN_TOLERANCE * meanSquare);

/**
 * θ = Cov(X, Y) / Var(X) over the persons of both arms (GrowthBook's
 * compute_theta); 0 when X or Y does not vary, which makes the adjusted
 * figures the raw ones.
 */
export function cupedTheta(control: SufficientStatistics, variant: SufficientStatistics, type: MetricType): number {
  const m = momentsOf(pool(control, variant), type);
  if (m === null || isConstant(m.varianceX, m.meanSquareX) || isConstant(m.varianceY, m.meanSquareY)) return 0;
  return m.covariance / m.varianceX;
}

/** Per-person variance of Y − θX. */
const adjustedVariance = (m: Moments, theta: number): number => Math.max(0, m.varianceY + theta * theta * m.varianceX - 2 * theta * m.covariance);

const adjustedArm = (m: Moments, theta: number): ArmSummary => ({ n: m.n, mean: m.meanY - theta * m.meanX, variance: adjustedVariance(m, theta) });

/** GrowthBook's frequentist_variance_relative_cuped, rearranged as relativeEffect is so that small control means do not overflow. */
function relativeEffect(c: Moments, v: Moments, theta: number): Effect | null {
  if (c.meanY === 0) return null;
  const r = v.meanY / c.meanY;
  const controlTerm = Math.max(0, r * r * c.varianceY - 2 * theta * r * c.covariance + theta * theta * c.varianceX) / c.n;
  const standardError = Math.sqrt(adjustedVariance(v, theta) / v.n + controlTerm) / Math.abs(c.meanY);
  const adjustedDifference = v.meanY - theta * v.meanX - (c.meanY - theta * c.meanX);
  return effectOrNull(adjustedDifference / c.meanY, standardError);
}

export interface CupedEstimate {
  theta: number;
  /** The arms of Y − θX: adjusted means and per-person variances. */
  control: ArmSummary;
  variant: ArmSummary;
  /** (adjusted variant mean − adjusted control mean) / unadjusted control mean, delta-method SE. */
  relative: Effect | null;
}

/**
 * The CUPED adjustment of one comparison; null when an arm has fewer than two
 * persons (no variance to adjust). The absolute effect and Welch's df are
 * those of the adjusted arms (absoluteEffect, welchDegreesOfFreedom).
 */
export function cupedEstimate(control: SufficientStatistics, variant: SufficientStatistics, type: MetricType): CupedEstimate | null {
  const c = momentsOf(control, type);
  const v = momentsOf(variant, type);
  if (c === null || v === null) return null;
  const theta = cupedTheta(control, variant, type);
  return { theta, control: adjustedArm(c, theta), variant: adjustedArm(v, theta), relative: relativeEffect(c, v, theta) };
}

/** Var(mean_v − mean_c) = s_c²/n_c + s_v²/n_v; null when undefined. */
function differenceVariance(control: ArmSummary, variant: ArmSummary): number | null {
  if (control.variance === null || variant.variance === null || control.n < 2 || variant.n < 2) return null;
  return control.variance / control.n + variant.variance / variant.n;
}

/**
 * 1 − Var(adjusted absolute difference) / Var(raw absolute difference), from
 * the raw and the adjusted arms; null when the raw variance is 0 or undefined.
 * About ρ² for a correlation ρ between X and Y; exactly 0 when θ = 0.
 */
export function varianceReduction(control: ArmSummary, variant: ArmSummary, estimate: CupedEstimate): number | null {
  const raw = differenceVariance(control, variant);
  const adjusted = differenceVariance(estimate.control, estimate.variant);
  if (raw === null || adjusted === null || !(raw > 0)) return null;
  return 1 - adjusted / raw;
}

/**
 * Seeded simulations of continuously monitored A/A experiments analysed with
 * CUPED (X and Y correlated, ρ = 0.7), checked after every one of 50
 * updates of 100 + 100 persons. The measured figures are part of the test
 * names; `npm run sim:cuped` runs more experiments (README).
 */
import { bivariateLognormal, bivariateNormal, simulateCuped, wilsonUpper } from '../test/helpers/cuped-simulation';

const ALPHA = 0.05;
const RHO = 0.7;
const common = { updates: 50, personsPerUpdate: 100, alpha: ALPHA, minPersonsPerVariant: 100 };
/** Persons in both arms at the last update, over which θ and the variances are estimated. */
const FINAL_PERSONS = 2 * common.updates * common.personsPerUpdate;
const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

const normal = simulateCuped({ ...common, experiments: 1000, control: bivariateNormal(RHO), variant: bivariateNormal(RHO), seed: 11_000 });
const skewed = simulateCuped({ ...common, experiments: 400, control: bivariateLognormal(3, 0.8, RHO), variant: bivariateLognormal(3, 0.8, RHO), seed: 12_000 });

/**
 * The variance reduction is about the squared sample correlation ρ̂², whose
 * standard deviation is about 2ρ(1 − ρ²)/√N over N persons (delta method,
 * bivariate normal): 0.0071 at N = 10000. The mean over E experiments is
 * held to 4 of its standard deviations σ/√E; each experiment to 5σ.
 */
const reductionSd = (2 * RHO * (1 - RHO * RHO)) / Math.sqrt(FINAL_PERSONS);
/** The CI width ratio is √(1 − reduction): its SD is the reduction's times 1/(2√(1 − ρ²)). */
const widthSd = reductionSd / (2 * Math.sqrt(1 - RHO * RHO));
const FP_REPORT = `${percent(normal.sequentialRate)} of ${normal.experiments}, 95% upper bound ${percent(wilsonUpper(normal.sequentialRate, normal.experiments))}`;
const SKEWED_REPORT = `${percent(skewed.sequentialRate)} of ${skewed.experiments}, 95% upper bound ${percent(wilsonUpper(skewed.sequentialRate, skewed.experiments))}`;

describe('cuped > simulation of A/A experiments monitored after every update (ρ = 0.7)', () => {
  it(`should keep the CUPED-adjusted sequential false positives at most 5% for bivariate normal X, Y (${FP_REPORT})`, () => {
    expect(normal.sequentialRate).toBeLessThanOrEqual(ALPHA);
  });

  it(`should keep them at most 5% for skewed lognormal revenue (${SKEWED_REPORT}, variance reduction ${skewed.varianceReduction.mean.toFixed(3)})`, () => {
    expect(skewed.sequentialRate).toBeLessThanOrEqual(ALPHA);
  });

  it(`should reduce the variance of the difference by ρ² = 0.49, leaving 1 − ρ² = 0.51 (mean ${normal.varianceReduction.mean.toFixed(4)}, range ${normal.varianceReduction.min.toFixed(3)}–${normal.varianceReduction.max.toFixed(3)})`, () => {
    expect(Math.abs(normal.varianceReduction.mean - RHO * RHO)).toBeLessThanOrEqual((4 * reductionSd) / Math.sqrt(normal.experiments));
    expect(normal.varianceReduction.min).toBeGreaterThanOrEqual(RHO * RHO - 5 * reductionSd);
    expect(normal.varianceReduction.max).toBeLessThanOrEqual(RHO * RHO + 5 * reductionSd);
  });

  it(`should narrow the interval and the confidence sequence to √(1 − ρ²) = 0.714 of their raw width (CI ${normal.ciWidthRatio.toFixed(4)}, CS ${normal.csWidthRatio.toFixed(4)})`, () => {
    const expected = Math.sqrt(1 - RHO * RHO);
    expect(Math.abs(normal.ciWidthRatio - expected)).toBeLessThanOrEqual((4 * widthSd) / Math.sqrt(normal.experiments));
    expect(Math.abs(normal.csWidthRatio - expected)).toBeLessThanOrEqual((4 * widthSd) / Math.sqrt(normal.experiments));
  });
});

/**
 * `npm run sim:cuped`: the long seeded simulation of CUPED under continuous
 * monitoring (see README, "CUPED"). A/A experiments, 50 updates of 100 + 100
 * persons, analyzeExperiment after every update with the previous record
 * carried. Prints the share of experiments the CUPED-adjusted sequential
 * test ever declared significant (with Wilson's 95% upper bound), the
 * variance reduction at the last update against ρ², and the CI and
 * confidence-sequence widths, adjusted / raw, against √(1 − ρ²).
 *
 * SIM_CUPED_EXPERIMENTS scales the ρ = 0.7 runs (default 10000).
 */
import { bivariateLognormal, bivariateNormal, simulateCuped, wilsonUpper, type PairModel } from '../test/helpers/cuped-simulation';

const ALPHA = 0.05;
const DEFAULT_EXPERIMENTS = 10_000;
/** Other correlations, to show the reduction tracking ρ². */
const OTHER_RHOS = [0.3, 0.5, 0.9];
const OTHER_EXPERIMENTS = 2000;

function experimentsFromEnv(): number {
  const raw = process.env.SIM_CUPED_EXPERIMENTS;
  if (raw === undefined) return DEFAULT_EXPERIMENTS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`SIM_CUPED_EXPERIMENTS: got ${JSON.stringify(raw)}, expected a positive integer`);
  return n;
}

const percent = (x: number) => `${(100 * x).toFixed(2)}%`;

function run(label: string, model: PairModel, rho: number | null, experiments: number, seed: number): void {
  const started = Date.now();
  const r = simulateCuped({ experiments, updates: 50, personsPerUpdate: 100, control: model, variant: model, seed, alpha: ALPHA, minPersonsPerVariant: 100 });
  const vr = r.varianceReduction;
  console.log(
    [
      label.padEnd(36),
      `n=${r.experiments}`,
      `significant ever ${percent(r.sequentialRate)} (95% upper ${percent(wilsonUpper(r.sequentialRate, r.experiments))})`,
      `variance reduction ${vr.mean.toFixed(4)} [${vr.min.toFixed(3)}, ${vr.max.toFixed(3)}]${rho === null ? '' : ` vs ρ² ${(rho * rho).toFixed(4)}`}`,
      `CI width ratio ${r.ciWidthRatio.toFixed(4)}, CS ${r.csWidthRatio.toFixed(4)}${rho === null ? '' : ` vs √(1−ρ²) ${Math.sqrt(1 - rho * rho).toFixed(4)}`}`,
      `(${((Date.now() - started) / 1000).toFixed(1)} s)`,
    ].join('  '),
  );
}

function main(): void {
  const experiments = experimentsFromEnv();
  console.log(`CUPED simulation: A/A, alpha ${ALPHA}, 50 updates of 100 + 100 persons, N* 5000`);
  run('bivariate normal, ρ = 0.7', bivariateNormal(0.7), 0.7, experiments, 100_000_000);
  run('lognormal revenue, log-correlation 0.7', bivariateLognormal(3, 0.8, 0.7), null, experiments, 200_000_000);
  OTHER_RHOS.forEach((rho, i) => run(`bivariate normal, ρ = ${rho}`, bivariateNormal(rho), rho, OTHER_EXPERIMENTS, 300_000_000 + i * OTHER_EXPERIMENTS));
}

main();

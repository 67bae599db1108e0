/**
 * `npm run sim:srm`: the long seeded simulation of the SRM check (see
 * README, "Sample-ratio mismatch"). Prints, for the sequential test and for
 * a chi-square test applied at every look, the share of experiments ever
 * flagged, and for the skewed split the persons needed to detect it.
 *
 * SIM_SRM_EXPERIMENTS scales the null runs (default 20000, about a minute each).
 */
import { SRM_PRIOR_CONCENTRATION } from '../src/srm-sequential';
import { median, simulateSrm, type SrmSimulationOptions } from '../test/helpers/srm-simulation';

const THRESHOLD = 0.001;
const LOOKS = 2000;
const DEFAULT_EXPERIMENTS = 20_000;
/** Concentrations compared for skew detection (the package uses SRM_PRIOR_CONCENTRATION). */
const CONCENTRATIONS = [10, 100, 1000, 10_000];
/** Share of the first of two variants configured 50/50: subtle, the issue's, and gross skews. */
const SKEWS = [0.51, 0.52, 0.55];
const SKEW_EXPERIMENTS = 1000;

function experimentsFromEnv(): number {
  const raw = process.env.SIM_SRM_EXPERIMENTS;
  if (raw === undefined) return DEFAULT_EXPERIMENTS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`SIM_SRM_EXPERIMENTS: got ${JSON.stringify(raw)}, expected a positive integer`);
  return n;
}

const percent = (x: number) => `${(100 * x).toFixed(3)}%`;

function run(label: string, options: SrmSimulationOptions): void {
  const started = Date.now();
  const r = simulateSrm(options);
  const persons = median(r.personsAtSequentialFlag);
  console.log(
    [
      label.padEnd(44),
      `c=${String(options.concentration).padEnd(6)}`,
      `n=${r.experiments}`,
      `sequential flagged ${percent(r.sequentialRate)}`,
      `chi-square every look ${percent(r.chiSquareRate)}`,
      `median persons at sequential flag ${persons ?? '-'}`,
      `(${((Date.now() - started) / 1000).toFixed(1)} s)`,
    ].join('  '),
  );
}

function main(): void {
  const experiments = experimentsFromEnv();
  const common = { looks: LOOKS, threshold: THRESHOLD, concentration: SRM_PRIOR_CONCENTRATION, chiSquareMinPersons: 8 };
  console.log(`SRM simulation: threshold ${THRESHOLD}, ${LOOKS} looks per experiment`);
  run('A/A 50/50, 50 persons per look', { ...common, experiments, personsPerLook: 50, trueShares: [0.5, 0.5], weights: [1, 1], seed: 10_000_000 });
  run('A/A 50/30/20, 50 persons per look', { ...common, experiments, personsPerLook: 50, trueShares: [0.5, 0.3, 0.2], weights: [50, 30, 20], seed: 20_000_000 });
  run('A/A 40/20/20/20, 50 persons per look', { ...common, experiments, personsPerLook: 50, trueShares: [0.4, 0.2, 0.2, 0.2], weights: [2, 1, 1, 1], seed: 30_000_000 });
  for (const skew of SKEWS) {
    const split = `${Math.round(100 * skew)}/${Math.round(100 * (1 - skew))}`;
    for (const concentration of CONCENTRATIONS) {
      run(`${split} vs 50/50, 50 persons per look`, { ...common, concentration, experiments: SKEW_EXPERIMENTS, personsPerLook: 50, trueShares: [skew, 1 - skew], weights: [1, 1], seed: 40_000_000 });
    }
  }
  run('52/28/20 vs 50/30/20, 50 persons per look', { ...common, experiments: SKEW_EXPERIMENTS, personsPerLook: 50, trueShares: [0.52, 0.28, 0.2], weights: [50, 30, 20], seed: 50_000_000 });
}

main();

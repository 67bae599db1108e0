/**
 * Seeded simulations of the SRM check of a live experiment: persons arrive
 * in looks, each assigned with the true shares; after every look both the
 * sequential test and the per-look chi-square test are applied to the
 * cumulative counts, and the first look at which each flags is recorded.
 * Used by srm-simulation.test.ts and by `npm run sim:srm`.
 */
import { srmTest } from '../../src/srm';
import { srmSequentialTest } from '../../src/srm-sequential';
import { mulberry32, type Random } from './prng';

export interface SrmSimulationOptions {
  experiments: number;
  looks: number;
  personsPerLook: number;
  /** Probability of assignment to each variant (the truth). */
  trueShares: readonly number[];
  /** Configured allocation weights (the null hypothesis). */
  weights: readonly number[];
  /** Flag when the p-value is below this. */
  threshold: number;
  /** Dirichlet prior concentration of the sequential test. */
  concentration: number;
  /** The chi-square check waits until every variant has this many persons (as analyzeExperiment's srmMinPersons). */
  chiSquareMinPersons: number;
  seed: number;
}

export interface SrmSimulationResult {
  experiments: number;
  /** Share of experiments the sequential test flagged at some look. */
  sequentialRate: number;
  /** Share of experiments a chi-square test at every look flagged at some look. */
  chiSquareRate: number;
  /** Persons in the experiment at the sequential test's first flag, per flagged experiment, ascending. */
  personsAtSequentialFlag: number[];
}

/** Index of the variant a uniform draw falls into, by the cumulative shares. */
function assign(random: Random, cumulative: readonly number[]): number {
  const u = random.uniform();
  let i = 0;
  while (i < cumulative.length - 1 && u >= cumulative[i]) i += 1;
  return i;
}

export function simulateSrm(options: SrmSimulationOptions): SrmSimulationResult {
  const cumulative: number[] = [];
  options.trueShares.reduce((acc, share) => {
    cumulative.push(acc + share);
    return acc + share;
  }, 0);
  const logThreshold = -Math.log(options.threshold);
  let sequentialFlags = 0;
  let chiSquareFlags = 0;
  const personsAtSequentialFlag: number[] = [];
  for (let e = 0; e < options.experiments; e += 1) {
    const random = mulberry32(options.seed + e);
    const counts = options.trueShares.map(() => 0);
    let sequential = false;
    let chiSquare = false;
    for (let look = 1; look <= options.looks && !(sequential && chiSquare); look += 1) {
      for (let p = 0; p < options.personsPerLook; p += 1) counts[assign(random, cumulative)] += 1;
      const total = look * options.personsPerLook;
      if (!sequential && srmSequentialTest(counts, options.weights, options.concentration).logBayesFactor >= logThreshold) {
        sequential = true;
        personsAtSequentialFlag.push(total);
      }
      if (!chiSquare && Math.min(...counts) >= options.chiSquareMinPersons) {
        chiSquare = (srmTest(counts, options.weights).pValue ?? 1) < options.threshold;
      }
    }
    if (sequential) sequentialFlags += 1;
    if (chiSquare) chiSquareFlags += 1;
  }
  return {
    experiments: options.experiments,
    sequentialRate: sequentialFlags / options.experiments,
    chiSquareRate: chiSquareFlags / options.experiments,
    personsAtSequentialFlag: personsAtSequentialFlag.sort((a, b) => a - b),
  };
}

/** Median of an ascending list; null when empty. */
export function median(sorted: readonly number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

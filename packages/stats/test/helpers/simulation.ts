/**
 * Streams seeded synthetic experiments through analyzeExperiment, looking
 * at the results after every update, and counts how many experiments ever
 * reach `significant` (sequential, corrected) or `guardrail_failed`, and how
 * many ever show a fixed-horizon p-value below alpha (the naive "peeking" rule).
 */
import { analyzeExperiment } from '../../src/analyze';
import type { ExperimentConfig, ExperimentResults, MetricConfig, MetricType } from '../../src/types';
import { mulberry32, type Random } from './prng';

/** Draws one person's metric total. */
export type PersonModel = (random: Random) => number;

export interface SimulationOptions {
  experiments: number;
  updates: number;
  /** Persons added to each arm at each update (an exact 1:1 split, so SRM never interferes). */
  personsPerUpdate: number;
  metricType: MetricType;
  control: PersonModel;
  variant: PersonModel;
  seed: number;
  alpha: number;
  minPersonsPerVariant: number;
  /** The metric's role and inverse flag (default: primary, not inverse). */
  metric?: Pick<MetricConfig, 'role' | 'inverse'>;
}

export interface SimulationRates {
  /** Share of experiments whose status was `significant` at some update. */
  sequential: number;
  /** Share of experiments whose fixed-horizon p-value was below alpha at some update (after the same burn-in). */
  naive: number;
  /** Share of experiments whose status was `guardrail_failed` at some update. */
  guardrailFailed: number;
}

interface Totals {
  n: number;
  sum: number;
  sumSquares: number;
}

function addPersons(totals: Totals, count: number, model: PersonModel, random: Random): void {
  for (let i = 0; i < count; i += 1) {
    const x = model(random);
    totals.sum += x;
    totals.sumSquares += x * x;
  }
  totals.n += count;
}

export function simulate(options: SimulationOptions): SimulationRates {
  const config: ExperimentConfig = {
    experimentId: 'simulated',
    variants: [
      { id: 'control', weight: 1 },
      { id: 'treatment', weight: 1 },
    ],
    controlVariantId: 'control',
    metrics: [{ id: 'metric', type: options.metricType, ...options.metric }],
    startTime: 0,
    alpha: options.alpha,
    minPersonsPerVariant: options.minPersonsPerVariant,
  };
  let sequentialFired = 0;
  let naiveFired = 0;
  let guardrailFired = 0;
  for (let e = 0; e < options.experiments; e += 1) {
    const random = mulberry32(options.seed + e);
    const control: Totals = { n: 0, sum: 0, sumSquares: 0 };
    const treatment: Totals = { n: 0, sum: 0, sumSquares: 0 };
    let previous: ExperimentResults | null = null;
    let sequential = false;
    let naive = false;
    let guardrail = false;
    for (let u = 1; u <= options.updates && !((sequential || guardrail) && naive); u += 1) {
      addPersons(control, options.personsPerUpdate, options.control, random);
      addPersons(treatment, options.personsPerUpdate, options.variant, random);
      const results: ExperimentResults = analyzeExperiment(
        { config, stats: { control: { metric: { ...control } }, treatment: { metric: { ...treatment } } }, now: u },
        previous,
      );
      previous = results;
      const p = results.comparisons[0].fixed_horizon_p_value;
      sequential ||= results.status === 'significant';
      guardrail ||= results.status === 'guardrail_failed';
      naive ||= control.n >= options.minPersonsPerVariant && p !== null && p < options.alpha;
    }
    if (sequential) sequentialFired += 1;
    if (naive) naiveFired += 1;
    if (guardrail) guardrailFired += 1;
  }
  const rate = (count: number) => count / options.experiments;
  return { sequential: rate(sequentialFired), naive: rate(naiveFired), guardrailFailed: rate(guardrailFired) };
}

export const bernoulli =
  (p: number): PersonModel =>
  (random) =>
    random.uniform() < p ? 1 : 0;

/** Right-skewed order values: lognormal(μ, σ). */
export const lognormal =
  (mu: number, sigma: number): PersonModel =>
  (random) =>
    Math.exp(mu + sigma * random.normal());

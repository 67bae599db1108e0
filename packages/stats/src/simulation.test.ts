/**
 * Seeded simulations of continuously monitored experiments: 200 A/A
 * experiments per metric type, checked after every one of 100 updates.
 * The measured rates are part of the test names.
 */
import { bernoulli, lognormal, simulate, type SimulationOptions } from '../test/helpers/simulation';

const ALPHA = 0.05;
const common = { updates: 100, personsPerUpdate: 50, alpha: ALPHA, minPersonsPerVariant: 100 };
const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

const aaConversion: SimulationOptions = {
  ...common,
  experiments: 200,
  metricType: 'conversion',
  control: bernoulli(0.1),
  variant: bernoulli(0.1),
  seed: 1_000,
};
const aaValue: SimulationOptions = {
  ...common,
  experiments: 200,
  metricType: 'value',
  control: lognormal(3, 0.8),
  variant: lognormal(3, 0.8),
  seed: 2_000,
};
const abConversion: SimulationOptions = {
  ...common,
  personsPerUpdate: 100,
  experiments: 50,
  metricType: 'conversion',
  control: bernoulli(0.1),
  variant: bernoulli(0.12),
  seed: 3_000,
};

/** Checkout errors (lower is better) watched as a guardrail: no change, and 5% → 6% (+20%). */
const guardrailErrors = { metric: { role: 'guardrail', inverse: true }, metricType: 'conversion' } as const;
const aaGuardrail: SimulationOptions = { ...common, ...guardrailErrors, experiments: 200, control: bernoulli(0.05), variant: bernoulli(0.05), seed: 5_000 };
const harmfulGuardrail: SimulationOptions = { ...abConversion, ...guardrailErrors, control: bernoulli(0.05), variant: bernoulli(0.06), seed: 6_000 };

const aa = { conversion: simulate(aaConversion), value: simulate(aaValue), guardrail: simulate(aaGuardrail) };
const ab = simulate(abConversion);
const harm = simulate(harmfulGuardrail);

describe('simulation > A/A experiments monitored after every update', () => {
  it(`should keep sequential false positives at most 5% for conversions (sequential ${percent(aa.conversion.sequential)}, naive fixed-horizon ${percent(aa.conversion.naive)})`, () => {
    expect(aa.conversion.sequential).toBeLessThanOrEqual(ALPHA);
    expect(aa.conversion.naive).toBeGreaterThan(3 * ALPHA);
  });

  it(`should keep sequential false positives at most 5% for skewed values (sequential ${percent(aa.value.sequential)}, naive fixed-horizon ${percent(aa.value.naive)})`, () => {
    expect(aa.value.sequential).toBeLessThanOrEqual(ALPHA);
    expect(aa.value.naive).toBeGreaterThan(3 * ALPHA);
  });
});

describe('simulation > A/B experiments with a real effect', () => {
  it(`should detect a 10% → 12% conversion lift within 10000 persons per arm (sequential ${percent(ab.sequential)}, naive ${percent(ab.naive)})`, () => {
    expect(ab.sequential).toBeGreaterThanOrEqual(0.8);
  });
});

describe('simulation > guardrail metrics', () => {
  it(`should keep false guardrail failures at most 5% when nothing changes (${percent(aa.guardrail.guardrailFailed)})`, () => {
    expect(aa.guardrail.guardrailFailed).toBeLessThanOrEqual(ALPHA);
    expect(aa.guardrail.sequential).toBe(0);
  });

  it(`should catch a 5% → 6% rise of an inverse guardrail within 10000 persons per arm (${percent(harm.guardrailFailed)})`, () => {
    expect(harm.guardrailFailed).toBeGreaterThanOrEqual(0.5);
  });
});

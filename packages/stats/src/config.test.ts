import { abConfig } from '../test/helpers/experiments';
import { DEFAULTS, resolveConfig } from './config';
import { StatsInputError } from './errors';
import type { ExperimentConfig } from './types';

const base: ExperimentConfig = abConfig('exp-1');

describe('config > defaults', () => {
  it('should fill every optional setting with its documented default', () => {
    const c = resolveConfig(base);
    expect(c).toMatchObject({
      alpha: DEFAULTS.alpha,
      sequentialTuningParameter: 5000,
      correction: 'holm',
      srmThreshold: 0.001,
      srmMinPersons: 8,
      minRuntimeMs: 0,
      minPersonsPerVariant: 100,
    });
    expect(c.metrics[0].inverse).toBe(false);
    expect(c.metrics[0].cuped).toBe(false);
  });
});

describe('config > validation', () => {
  it.each([
    ['an unknown control', { controlVariantId: 'Z' }, /controlVariantId: got "Z", expected one of the variant ids \["A","B"\]/],
    ['a zero weight', { variants: [{ id: 'A', weight: 0 }, { id: 'B', weight: 1 }] }, /variants\[0\]\.weight: got 0, expected a finite allocation weight > 0/],
    ['a negative weight', { variants: [{ id: 'A', weight: 1 }, { id: 'B', weight: -2 }] }, /variants\[1\]\.weight/],
    ['a single variant', { variants: [{ id: 'A', weight: 1 }] }, /at least two variants/],
    ['duplicate variants', { variants: [{ id: 'A', weight: 1 }, { id: 'A', weight: 1 }] }, /duplicate id "A"/],
    ['no metrics', { metrics: [] }, /at least one metric/],
    ['an unknown metric type', { metrics: [{ id: 'm', type: 'ratio' }] }, /expected 'conversion' or 'value'/],
    ['a CUPED flag that is not a boolean', { metrics: [{ id: 'm', type: 'value', cuped: 'yes' }] }, /metrics\[0\]\.cuped: got "yes", expected a boolean/],
    ['alpha of 0', { alpha: 0 }, /alpha: got 0, expected a level in \(0, 0.5\]/],
    ['alpha above 0.5', { alpha: 0.7 }, /alpha/],
    ['a zero tuning parameter', { sequentialTuningParameter: 0 }, /sequentialTuningParameter/],
    ['an unknown correction', { correction: 'bonferroni' }, /expected 'holm' or 'bh'/],
    ['an SRM threshold of 0', { srmThreshold: 0 }, /srmThreshold/],
    ['a negative minimum runtime', { minRuntimeMs: -1 }, /minRuntimeMs/],
    ['a fractional minimum of persons', { minPersonsPerVariant: 1.5 }, /minPersonsPerVariant/],
    ['a missing start time', { startTime: undefined }, /startTime: got undefined, expected epoch milliseconds/],
  ])('should reject %s with a StatsInputError', (_name, patch, message) => {
    const config = { ...base, ...patch } as ExperimentConfig;
    expect(() => resolveConfig(config)).toThrow(StatsInputError);
    expect(() => resolveConfig(config)).toThrow(message);
  });
});

/**
 * Typed loaders for the committed reference fixtures in packages/stats/fixtures/
 * (SciPy/statsmodels values from scripts/generate_fixtures.py, and values
 * transcribed from GrowthBook's gbstats fixtures).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricType, SufficientStatistics } from '../../src/types';
import {
  asBoolean,
  asNumber,
  asNumberArray,
  asNumberOrNull,
  asNumberOrNullArray,
  asRecord,
  asString,
  FixtureShapeError,
  mapArray,
  type Json,
} from './json-guards';

const FIXTURES_DIR = join(__dirname, '..', '..', 'fixtures');

function load(name: string): Record<string, Json> {
  return asRecord(JSON.parse(readFileSync(join(FIXTURES_DIR, name), 'utf8')), name);
}

function asMetricType(value: Json, path: string): MetricType {
  if (value !== 'conversion' && value !== 'value') throw new FixtureShapeError(path, "'conversion' or 'value'");
  return value;
}

function asStatistics(value: Json, path: string): SufficientStatistics {
  const r = asRecord(value, path);
  return { n: asNumber(r.n, `${path}.n`), sum: asNumber(r.sum, `${path}.sum`), sumSquares: asNumber(r.sum_squares, `${path}.sum_squares`) };
}

/** Reads the listed numeric fields of an object (null allowed where `nullable`). */
function numbers<K extends string>(value: Json, path: string, keys: readonly K[]): Record<K, number> {
  const r = asRecord(value, path);
  const out = {} as Record<K, number>;
  for (const k of keys) out[k] = asNumber(r[k], `${path}.${k}`);
  return out;
}

function nullableNumbers<K extends string>(value: Json, path: string, keys: readonly K[]): Record<K, number | null> {
  const r = asRecord(value, path);
  const out = {} as Record<K, number | null>;
  for (const k of keys) out[k] = asNumberOrNull(r[k], `${path}.${k}`);
  return out;
}

export function distributionFixtures() {
  const f = load('scipy-distributions.json');
  return {
    normal: mapArray(f.normal, 'normal', (r, p) => nullableNumbers(r, p, ['x', 'cdf', 'sf', 'pdf'] as const)),
    normalQuantile: mapArray(f.normal_quantile, 'normal_quantile', (r, p) => nullableNumbers(r, p, ['p', 'quantile'] as const)),
    studentT: mapArray(f.student_t, 'student_t', (r, p) => nullableNumbers(r, p, ['t', 'df', 'cdf', 'sf', 'pdf', 'cdf_mp', 'sf_mp'] as const)),
    studentTQuantile: mapArray(f.student_t_quantile, 'student_t_quantile', (r, p) =>
      nullableNumbers(r, p, ['p', 'df', 'quantile', 'quantile_mp'] as const),
    ),
    chiSquare: mapArray(f.chi_square, 'chi_square', (r, p) => numbers(r, p, ['x', 'df', 'sf'] as const)),
  };
}

const WELCH_KEYS = ['control_mean', 'variant_mean', 'absolute_difference', 'ci_lower', 'ci_upper', 't', 'df', 'p_value'] as const;
const RELATIVE_KEYS = ['relative_lift', 'relative_ci_lower', 'relative_ci_upper'] as const;

export function welchFixtures() {
  const f = load('scipy-welch.json');
  return {
    alpha: asNumber(f.alpha, 'alpha'),
    cases: mapArray(f.cases, 'cases', (r, p) => {
      const expected = asRecord(r.expected, `${p}.expected`);
      return {
        name: asString(r.name, `${p}.name`),
        metricType: asMetricType(r.metric_type, `${p}.metric_type`),
        control: asStatistics(r.control, `${p}.control`),
        variant: asStatistics(r.variant, `${p}.variant`),
        expected: numbers(expected, `${p}.expected`, WELCH_KEYS),
        relative: 'relative_lift' in expected ? numbers(expected, `${p}.expected`, RELATIVE_KEYS) : null,
      };
    }),
  };
}

export function bayesianFixtures() {
  const f = load('scipy-bayesian.json');
  return mapArray(f.cases, 'cases', (r, p) => numbers(r, p, ['mean', 'sd', 'chance_to_win', 'risk_control', 'risk_variant'] as const));
}

export function srmFixtures() {
  const f = load('scipy-srm.json');
  return mapArray(f.cases, 'cases', (r, p) => ({
    observed: asNumberArray(r.observed, `${p}.observed`),
    weights: asNumberArray(r.weights, `${p}.weights`),
    ...numbers(r, p, ['chi_square', 'p_value', 'df'] as const),
  }));
}

export function correctionFixtures() {
  const f = load('statsmodels-corrections.json');
  return mapArray(f.cases, 'cases', (r, p) => ({
    pValues: asNumberOrNullArray(r.p_values, `${p}.p_values`),
    holm: asNumberArray(r.holm, `${p}.holm`),
    bh: asNumberArray(r.bh, `${p}.bh`),
  }));
}

function gbArms(r: Record<string, Json>, p: string) {
  return {
    name: asString(r.name, `${p}.name`),
    metricType: asMetricType(r.metric_type, `${p}.metric_type`),
    control: asStatistics(r.control, `${p}.control`),
    variant: asStatistics(r.variant, `${p}.variant`),
  };
}

export function growthbookFixtures() {
  const f = load('growthbook-gbstats.json');
  const decimals = asNumber(asRecord(f.metadata, 'metadata').decimals, 'metadata.decimals');
  return {
    decimals,
    frequentist: mapArray(f.frequentist, 'frequentist', (r, p) => ({
      ...gbArms(r, p),
      differenceType: asString(r.difference_type, `${p}.difference_type`),
      expected: nullableNumbers(r.expected, `${p}.expected`, ['estimate', 'std_error', 'ci_lower', 'ci_upper', 'p_value'] as const),
    })),
    sequential: mapArray(f.sequential, 'sequential', (r, p) => ({
      ...gbArms(r, p),
      differenceType: asString(r.difference_type, `${p}.difference_type`),
      tuning: asNumber(r.sequential_tuning_parameter, `${p}.sequential_tuning_parameter`),
      expected: numbers(r.expected, `${p}.expected`, ['estimate', 'std_error', 'cs_lower', 'cs_upper', 'p_value'] as const),
    })),
    bayesian: mapArray(f.bayesian, 'bayesian', (r, p) => ({
      ...gbArms(r, p),
      inverse: asBoolean(r.inverse, `${p}.inverse`),
      expected: nullableNumbers(r.expected, `${p}.expected`, ['estimate', 'std_error', 'chance_to_win', 'risk_control', 'risk_variant'] as const),
    })),
    srm: mapArray(f.srm, 'srm', (r, p) => ({
      name: asString(r.name, `${p}.name`),
      observed: asNumberArray(r.observed, `${p}.observed`),
      weights: asNumberArray(r.weights, `${p}.weights`),
      pValue: asNumber(r.p_value, `${p}.p_value`),
    })),
    undefinedResults: mapArray(f.undefined_results, 'undefined_results', gbArms),
    invalidInputs: mapArray(f.invalid_inputs, 'invalid_inputs', gbArms),
  };
}

export function srmSequentialFixtures() {
  const f = load('scipy-srm-sequential.json');
  return mapArray(f.cases, 'cases', (r, p) => ({
    observed: asNumberArray(r.observed, `${p}.observed`),
    weights: asNumberArray(r.weights, `${p}.weights`),
    ...numbers(r, p, ['concentration', 'log_bayes_factor_scipy', 'log_bayes_factor_mp', 'p_value'] as const),
  }));
}

export function oneSidedSequentialFixtures() {
  const f = load('scipy-sequential-one-sided.json');
  return mapArray(f.cases, 'cases', (r, p) => numbers(r, p, ['z', 'alpha', 'tuning', 'n', 'p_value'] as const));
}

const INTERVAL_KEYS = ['estimate', 'std_error', 'ci_lower', 'ci_upper'] as const;
const SEQUENCE_KEYS = [...INTERVAL_KEYS, 'cs_lower', 'cs_upper'] as const;

function asCupedArm(value: Json, path: string): { variantId: string; stats: SufficientStatistics } {
  const r = asRecord(value, path);
  const x = asRecord(r.cuped, `${path}.cuped`);
  return {
    variantId: asString(r.variant_id, `${path}.variant_id`),
    stats: {
      ...asStatistics(r, path),
      cuped: { sumX: asNumber(x.sum_x, `${path}.cuped.sum_x`), sumXSquares: asNumber(x.sum_x_squares, `${path}.cuped.sum_x_squares`), sumXY: asNumber(x.sum_xy, `${path}.cuped.sum_xy`) },
    },
  };
}

/** growthbook-cuped.json (scripts/generate_cuped_fixtures.py): per data set the arms' sums, per comparison GrowthBook's CUPED figures and the OLS cross-checks. */
export function cupedFixtures() {
  const f = load('growthbook-cuped.json');
  const meta = asRecord(f.metadata, 'metadata');
  return {
    alpha: asNumber(meta.alpha, 'metadata.alpha'),
    tuning: asNumber(meta.sequential_tuning_parameter, 'metadata.sequential_tuning_parameter'),
    cases: mapArray(f.cases, 'cases', (r, p) => ({
      name: asString(r.name, `${p}.name`),
      metricType: asMetricType(r.metric_type, `${p}.metric_type`),
      arms: mapArray(r.arms, `${p}.arms`, asCupedArm),
      comparisons: mapArray(r.comparisons, `${p}.comparisons`, (c, q) => {
        const e = asRecord(c.expected, `${q}.expected`);
        return {
          variantId: asString(c.variant_id, `${q}.variant_id`),
          expected: {
            ...numbers(e, `${q}.expected`, ['theta', 'variance_reduction', 'control_adjusted_mean', 'variant_adjusted_mean', 'df', 't', 'p_value', 'sequential_p_value', 'chance_to_beat_control'] as const),
            absolute: numbers(e.absolute, `${q}.expected.absolute`, SEQUENCE_KEYS),
            relative: numbers(e.relative, `${q}.expected.relative`, SEQUENCE_KEYS),
            rawAbsolute: numbers(e.raw_absolute, `${q}.expected.raw_absolute`, INTERVAL_KEYS),
            rawRelative: numbers(e.raw_relative, `${q}.expected.raw_relative`, INTERVAL_KEYS),
          },
          ols: numbers(c.ols, `${q}.ols`, ['theta_plugged_estimate', 'theta_plugged_robust_std_error', 'free_slope_estimate', 'within_arm_slope'] as const),
        };
      }),
    })),
  };
}

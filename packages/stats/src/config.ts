/**
 * Defaults and validation of the experiment configuration. Every problem
 * throws a StatsInputError naming the field, what it was and what was expected.
 */
import { StatsInputError } from './errors';
import type { CorrectionMethod, ExperimentConfig, MetricConfig, MetricRole, VariantConfig } from './types';

export const DEFAULTS = {
  alpha: 0.05,
  /** GrowthBook's default N*. */
  sequentialTuningParameter: 5000,
  correction: 'holm' as CorrectionMethod,
  /** Guardrail regressions are tested one-sided at this level (Holm across guardrails × variants). */
  guardrailAlpha: 0.05,
  role: 'primary' as MetricRole,
  /** CUPED is opt-in per metric: it needs the pre-exposure sums. */
  cuped: false,
  srmThreshold: 0.001,
  srmMinPersons: 8,
  minRuntimeMs: 0,
  /** Below ~100 persons per arm the normal approximations behind every test here are poor. */
  minPersonsPerVariant: 100,
} as const;

/** Largest alpha accepted: a two-sided test at a higher level makes no sense. */
const MAX_ALPHA = 0.5;
const ROLES: readonly MetricRole[] = ['primary', 'secondary', 'guardrail'];

export interface ResolvedConfig {
  experimentId: string;
  variants: VariantConfig[];
  controlVariantId: string;
  metrics: Required<MetricConfig>[];
  startTime: number;
  alpha: number;
  sequentialTuningParameter: number;
  correction: CorrectionMethod;
  guardrailAlpha: number;
  srmThreshold: number;
  srmMinPersons: number;
  minRuntimeMs: number;
  minPersonsPerVariant: number;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short rendering of a bad input value for an error message. */
function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

export function requireFinite(field: string, value: unknown, expected = 'a finite number'): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new StatsInputError(field, `got ${show(value)}, expected ${expected}`);
  }
  return value;
}

function requireInRange(field: string, value: unknown, low: number, high: number, expected: string): number {
  const x = requireFinite(field, value, expected);
  if (!(x > low && x <= high)) throw new StatsInputError(field, `got ${x}, expected ${expected}`);
  return x;
}

export function requireNonNegativeInteger(field: string, value: unknown): number {
  const x = requireFinite(field, value, 'a non-negative integer');
  if (x < 0 || !Number.isInteger(x)) throw new StatsInputError(field, `got ${x}, expected a non-negative integer`);
  return x;
}

function requireNonNegative(field: string, value: unknown): number {
  const x = requireFinite(field, value, 'a finite number ≥ 0');
  if (x < 0) throw new StatsInputError(field, `got ${x}, expected a finite number ≥ 0`);
  return x;
}

function requireId(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new StatsInputError(field, `got ${show(value)}, expected a non-empty string`);
  }
  return value;
}

function requireUnique(field: string, ids: string[]): void {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw new StatsInputError(field, `duplicate id ${JSON.stringify(id)}, expected unique ids`);
    seen.add(id);
  }
}

function resolveVariants(config: ExperimentConfig): VariantConfig[] {
  if (!Array.isArray(config.variants) || config.variants.length < 2) {
    throw new StatsInputError('config.variants', 'expected at least two variants (a control and one treatment)');
  }
  const variants = config.variants.map((v, i) => ({
    id: requireId(`config.variants[${i}].id`, v.id),
    weight: requireInRange(`config.variants[${i}].weight`, v.weight, 0, Infinity, 'a finite allocation weight > 0'),
  }));
  requireUnique('config.variants', variants.map((v) => v.id));
  if (!variants.some((v) => v.id === config.controlVariantId)) {
    throw new StatsInputError(
      'config.controlVariantId',
      `got ${show(config.controlVariantId)}, expected one of the variant ids ${JSON.stringify(variants.map((v) => v.id))}`,
    );
  }
  return variants;
}

function resolveMetrics(config: ExperimentConfig): Required<MetricConfig>[] {
  if (!Array.isArray(config.metrics) || config.metrics.length === 0) {
    throw new StatsInputError('config.metrics', 'expected at least one metric');
  }
  const metrics = config.metrics.map((m, i) => {
    if (m.type !== 'conversion' && m.type !== 'value') {
      throw new StatsInputError(`config.metrics[${i}].type`, `got ${show(m.type)}, expected 'conversion' or 'value'`);
    }
    if (m.inverse !== undefined && typeof m.inverse !== 'boolean') {
      throw new StatsInputError(`config.metrics[${i}].inverse`, `got ${show(m.inverse)}, expected a boolean`);
    }
    if (m.role !== undefined && !ROLES.includes(m.role)) {
      throw new StatsInputError(`config.metrics[${i}].role`, `got ${show(m.role)}, expected one of ${ROLES.map((r) => `'${r}'`).join(', ')}`);
    }
    if (m.cuped !== undefined && typeof m.cuped !== 'boolean') {
      throw new StatsInputError(`config.metrics[${i}].cuped`, `got ${show(m.cuped)}, expected a boolean`);
    }
    return {
      id: requireId(`config.metrics[${i}].id`, m.id),
      type: m.type,
      inverse: m.inverse ?? false,
      role: m.role ?? DEFAULTS.role,
      cuped: m.cuped ?? DEFAULTS.cuped,
    };
  });
  requireUnique('config.metrics', metrics.map((m) => m.id));
  return metrics;
}

function resolveCorrection(value: unknown): CorrectionMethod {
  if (value === undefined) return DEFAULTS.correction;
  if (value !== 'holm' && value !== 'bh') {
    throw new StatsInputError('config.correction', `got ${show(value)}, expected 'holm' or 'bh'`);
  }
  return value;
}

export function resolveConfig(config: ExperimentConfig): ResolvedConfig {
  return {
    experimentId: requireId('config.experimentId', config.experimentId),
    variants: resolveVariants(config),
    controlVariantId: config.controlVariantId,
    metrics: resolveMetrics(config),
    startTime: requireFinite('config.startTime', config.startTime, 'epoch milliseconds'),
    alpha: requireInRange('config.alpha', config.alpha ?? DEFAULTS.alpha, 0, MAX_ALPHA, `a level in (0, ${MAX_ALPHA}]`),
    sequentialTuningParameter: requireInRange(
      'config.sequentialTuningParameter',
      config.sequentialTuningParameter ?? DEFAULTS.sequentialTuningParameter,
      0,
      Infinity,
      'a planned total sample size > 0',
    ),
    correction: resolveCorrection(config.correction),
    guardrailAlpha: requireInRange(
      'config.guardrailAlpha',
      config.guardrailAlpha ?? DEFAULTS.guardrailAlpha,
      0,
      MAX_ALPHA,
      `a level in (0, ${MAX_ALPHA}]`,
    ),
    srmThreshold: requireInRange('config.srmThreshold', config.srmThreshold ?? DEFAULTS.srmThreshold, 0, 1, 'a p-value threshold in (0, 1]'),
    srmMinPersons: requireNonNegativeInteger('config.srmMinPersons', config.srmMinPersons ?? DEFAULTS.srmMinPersons),
    minRuntimeMs: requireNonNegative('config.minRuntimeMs', config.minRuntimeMs ?? DEFAULTS.minRuntimeMs),
    minPersonsPerVariant: requireNonNegativeInteger(
      'config.minPersonsPerVariant',
      config.minPersonsPerVariant ?? DEFAULTS.minPersonsPerVariant,
    ),
  };
}

import { z } from 'zod';
import { DefinitionError } from './errors';
import { dottedPathSchema, durationSchema, idSchema, nameSchema, numberSchema, required, strictObject } from './fields';
import { describeSubject, toDefinitionIssues } from './issues';

export const FILTER_OPS = ['eq', 'neq', 'in', 'gt', 'gte', 'lt', 'lte', 'exists'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

/**
 * A condition on one field of the event, `path` dotted into it
 * (`properties.plan`). `eq`/`neq`/`in` compare JSON scalars strictly (`"5"`
 * is not `5`); `gt`…`lte` take a number and fail on a non-number field;
 * `exists` is `true` (the field is present and not null) or `false`.
 */
export interface PropertyFilter {
  path: string;
  op: FilterOp;
  value?: unknown;
}

export type MetricType = 'conversion' | 'value';
export type MetricScope = 'global' | 'local';

const DAY_MS = 86_400_000;
/** Each day of the window costs a bucket per person: 4 weeks keeps a person's pre-exposure state small. */
export const MAX_CUPED_WINDOW_DAYS = 28;

/**
 * CUPED for a metric: each person's covariate is the same metric over the
 * `window` (whole UTC days) before the day of their own first exposure.
 */
export interface CupedSettings {
  /** Milliseconds, a whole number of days in [1, MAX_CUPED_WINDOW_DAYS]. */
  window: number;
}

/** A metric as the processor uses it: every default filled in. */
export interface MetricDefinition {
  id: string;
  /** Defaults to the id. */
  name: string;
  /** `conversion`: did the person do it (0/1); `value`: the sum of `value_path` per person. */
  type: MetricType;
  /** The track event it counts, e.g. `Order Completed`. */
  event: string;
  /** All must hold for an event to count; default none. */
  filters: PropertyFilter[];
  /** Where the number is in the event (`properties.revenue`): value metrics only, null for conversion. */
  value_path: string | null;
  /** Per-person cap on the total (value metrics only, > 0), against outliers. */
  cap: number | null;
  /** `global` metrics apply to every experiment; `local` ones to the experiments that list them. Default local. */
  scope: MetricScope;
  /** A decrease is good (refunds, errors). Default false. */
  inverse: boolean;
  /** Variance reduction with each person's pre-exposure value of the metric; null (off) by default. */
  cuped: CupedSettings | null;
}

const SCALAR_EXPECTED = 'a string, number, boolean or null';

function isScalar(value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

/** What `value` must be for an operator, or undefined when it is. */
function filterValueProblem(op: FilterOp, value: unknown): string | undefined {
  switch (op) {
    case 'eq':
    case 'neq':
      if (value === undefined) return `is required for op "${op}": ${SCALAR_EXPECTED}`;
      return isScalar(value) ? undefined : `must be ${SCALAR_EXPECTED} for op "${op}"`;
    case 'in':
      return Array.isArray(value) && value.length > 0 && value.every(isScalar) ? undefined : 'must be a non-empty array of strings, numbers, booleans or nulls for op "in"';
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : `must be a number for op "${op}"`;
    case 'exists':
      return value === undefined || typeof value === 'boolean' ? undefined : 'must be true or false (or absent, meaning true) for op "exists"';
  }
}

const filterSchema = strictObject({
  path: dottedPathSchema,
  op: z.enum(FILTER_OPS, { error: required(`one of ${FILTER_OPS.join(', ')}`) }),
  value: z.unknown().optional(),
})
  .superRefine((filter, ctx) => {
    const problem = filterValueProblem(filter.op, filter.value);
    if (problem) ctx.addIssue({ code: 'custom', path: ['value'], message: problem });
  })
  .transform((filter): PropertyFilter => ({ path: filter.path, op: filter.op, value: filter.op === 'exists' ? (filter.value ?? true) : filter.value }));

const cupedSchema = strictObject({
  window: durationSchema.refine(
    (ms) => ms % DAY_MS === 0 && ms >= DAY_MS && ms <= MAX_CUPED_WINDOW_DAYS * DAY_MS,
    `must be a whole number of days from 1d to ${MAX_CUPED_WINDOW_DAYS}d (daily buckets), e.g. 7d`,
  ),
});

const metricSchema = strictObject({
  id: idSchema,
  name: nameSchema.optional(),
  type: z.enum(['conversion', 'value'], { error: required('"conversion" or "value"') }),
  event: z.string({ error: required('a string: the track event name') }).min(1, 'must not be empty'),
  filters: z.array(filterSchema, { error: required('an array of filters') }).default([]),
  value_path: dottedPathSchema.nullable().default(null),
  cap: numberSchema.gt(0, 'must be > 0').nullable().default(null),
  scope: z.enum(['global', 'local'], { error: required('"global" or "local"') }).default('local'),
  inverse: z.boolean({ error: required('true or false') }).default(false),
  cuped: cupedSchema.nullable().default(null),
})
  .superRefine((metric, ctx) => {
    if (metric.type === 'value' && metric.value_path === null) {
      ctx.addIssue({ code: 'custom', path: ['value_path'], message: 'is required for a value metric: the dotted path of the number, e.g. properties.revenue' });
    }
    if (metric.type === 'conversion' && metric.value_path !== null) {
      ctx.addIssue({ code: 'custom', path: ['value_path'], message: 'must be absent for a conversion metric (it counts 1 per event)' });
    }
    if (metric.type === 'conversion' && metric.cap !== null) {
      ctx.addIssue({ code: 'custom', path: ['cap'], message: 'must be absent for a conversion metric (caps apply to value metrics)' });
    }
  })
  .transform(
    (metric): MetricDefinition => ({
      id: metric.id,
      name: metric.name ?? metric.id,
      type: metric.type,
      event: metric.event,
      filters: metric.filters,
      value_path: metric.value_path,
      cap: metric.cap,
      scope: metric.scope,
      inverse: metric.inverse,
      cuped: metric.cuped,
    }),
  );

/**
 * Validates a metric definition and fills in its defaults. Throws a
 * DefinitionError naming every problem with its path. Parsing the result
 * again gives the same result.
 */
export function parseMetricDefinition(input: unknown): MetricDefinition {
  const parsed = metricSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new DefinitionError(describeSubject('metric', input), toDefinitionIssues(parsed.error));
}

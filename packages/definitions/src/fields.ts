import { isIsoTimestamp } from '@abtest/segment';
import { z } from 'zod';

/** Ids become part of record keys and URLs: bounded, and without the key separator. */
export const MAX_ID_LENGTH = 200;
/** Separates the kind from the id in a record key: `experiment|checkout`. */
export const KEY_SEPARATOR = '|';

/** The message of a field's type error: `is required` when absent, else what it must be. */
export const required =
  (expected: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? 'is required' : `must be ${expected}`;

/**
 * An object that refuses unknown fields, naming the allowed ones: a typo
 * (`min_runtime` for `min_runtime_ms`) must not silently fall back to a default.
 */
export function strictObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') return `unknown field (allowed: ${allowed})`;
      if (issue.code === 'invalid_type') return issue.input === undefined ? 'is required' : 'must be a JSON object';
      return undefined;
    },
  });
}

export const idSchema = z
  .string({ error: required('a string') })
  .min(1, 'must not be empty')
  .max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`)
  .refine((id) => !id.includes(KEY_SEPARATOR), `must not contain "${KEY_SEPARATOR}"`);

export const nameSchema = z.string({ error: required('a string') }).min(1, 'must not be empty');

/** A dotted path into a Segment event: `properties.plan`, `properties.items.0.price`. */
export const dottedPathSchema = z
  .string({ error: required('a string') })
  .regex(/^[^.\s]+(\.[^.\s]+)*$/, 'must be a dotted path such as properties.revenue (no empty segments, no spaces)');

export const numberSchema = z.number({ error: required('a number') });

/** Epoch milliseconds, or an ISO-8601 date-time with an offset (a time without one is refused rather than guessed). */
export const timestampSchema = z
  .union([z.number(), z.string()], { error: required('epoch milliseconds or an ISO-8601 date-time such as 2026-03-01T00:00:00Z') })
  .transform((value, ctx) => {
    if (typeof value === 'number') {
      if (Number.isSafeInteger(value) && value >= 0) return value;
      ctx.addIssue({ code: 'custom', message: 'must be a whole number of epoch milliseconds >= 0' });
      return z.NEVER;
    }
    if (isIsoTimestamp(value)) return Date.parse(value);
    ctx.addIssue({ code: 'custom', message: 'must be an ISO-8601 date-time with an offset, e.g. 2026-03-01T00:00:00Z' });
    return z.NEVER;
  });

const MS_PER_UNIT = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
type DurationUnit = keyof typeof MS_PER_UNIT;
const isDurationUnit = (unit: string): unit is DurationUnit => Object.hasOwn(MS_PER_UNIT, unit);
const DURATION = /^(\d+(ms|s|m|h|d|w))+$/;
const DURATION_PART = /(\d+)(ms|s|m|h|d|w)/g;

/** Milliseconds, or a duration such as `7d`, `12h`, `30m`, `1h30m` (units ms, s, m, h, d, w). */
export const durationSchema = z
  .union([z.number(), z.string()], { error: required('milliseconds or a duration such as 7d, 12h or 30m') })
  .transform((value, ctx) => {
    if (typeof value === 'number') {
      if (Number.isSafeInteger(value) && value >= 0) return value;
      ctx.addIssue({ code: 'custom', message: 'must be a whole number of milliseconds >= 0' });
      return z.NEVER;
    }
    if (!DURATION.test(value)) {
      ctx.addIssue({ code: 'custom', message: 'must be a duration such as 7d, 12h, 30m or 1h30m (units ms, s, m, h, d, w)' });
      return z.NEVER;
    }
    let total = 0;
    for (const [, count, unit] of value.matchAll(DURATION_PART)) if (unit && isDurationUnit(unit)) total += Number(count) * MS_PER_UNIT[unit];
    if (Number.isSafeInteger(total)) return total;
    ctx.addIssue({ code: 'custom', message: 'is too long a duration' });
    return z.NEVER;
  });

/** Problems of duplicate values in a list, each at the path of its repeated occurrence. */
export function addDuplicateIssues(values: readonly string[], ctx: z.RefinementCtx, describe: (value: string) => string, pathOf: (index: number) => PropertyKey[]): void {
  const seen = new Set<string>();
  values.forEach((value, index) => {
    if (seen.has(value)) ctx.addIssue({ code: 'custom', message: describe(value), path: pathOf(index) });
    seen.add(value);
  });
}

import { z } from 'zod';
import { DefinitionError } from './errors';
import { addDuplicateIssues, durationSchema, idSchema, nameSchema, numberSchema, required, strictObject, timestampSchema } from './fields';
import { describeSubject, toDefinitionIssues } from './issues';

export interface Variant {
  id: string;
  /** Defaults to the id. */
  name: string;
  /** Share of persons relative to the other variants' weights; > 0, default 1 (equal split). */
  weight: number;
}

export type Correction = 'holm' | 'bh';

/**
 * What a metric decides in an experiment: `primary` metrics alone set the
 * status (ship or not); a `guardrail` regression stops a winner; `secondary`
 * metrics are reported and never set the status.
 */
export type MetricRole = 'primary' | 'secondary' | 'guardrail';
export const METRIC_ROLES = ['primary', 'secondary', 'guardrail'] as const satisfies readonly MetricRole[];

/** An experiment as the processor uses it: every default filled in. */
export interface ExperimentDefinition {
  id: string;
  /** Defaults to the id. */
  name: string;
  /** At least 2, unique ids. */
  variants: Variant[];
  /** One of the variants; defaults to the first. */
  control_variant_id: string;
  /** Ids of the local metrics it reports, unique; global metrics are always included. */
  metrics: string[];
  /** Metrics whose results decide the status (Holm across them and the variants); a local one listed here is reported too. */
  primary_metrics: string[];
  /** Metrics reported with BH q-values that never set the status. */
  secondary_metrics: string[];
  /** Metrics whose regression (one-sided, sequential, at `guardrail_alpha`) fails the experiment; unlisted global metrics are guardrails. */
  guardrail_metrics: string[];
  /** Significance level of each guardrail's one-sided sequential test, in (0, 0.5]. */
  guardrail_alpha: number;
  /** Epoch ms; input accepts epoch ms or an ISO-8601 date-time with an offset. */
  start_time: number | null;
  /** Input also accepts a duration such as `7d`, `12h`, `30m`. */
  min_runtime_ms: number;
  min_persons_per_variant: number;
  /** Significance level, in (0, 0.5]. */
  alpha: number;
  /** Tuning parameter of the always-valid sequential test, > 0. */
  sequential_tuning_parameter: number;
  /** Multiple-comparison correction across metrics and variants: Holm (family-wise error) or Benjamini–Hochberg (false discovery rate). */
  correction: Correction;
  /** p-value of the sample-ratio-mismatch test below which results are flagged, in (0, 1). */
  srm_threshold: number;
}

/** The defaults of the optional experiment fields. */
export const EXPERIMENT_DEFAULTS = {
  /** Each variant's weight: equal split. */
  weight: 1,
  /** No minimum runtime. */
  min_runtime_ms: 0,
  /** Persons per variant before a result may be called. */
  min_persons_per_variant: 100,
  alpha: 0.05,
  /** The mixing variance τ² of the mSPRT, tuned for effects of typical size. */
  sequential_tuning_parameter: 5_000,
  correction: 'holm',
  /** Strict, so that SRM alerts are rare false alarms. */
  srm_threshold: 0.001,
  guardrail_alpha: 0.05,
} as const satisfies Partial<Record<keyof ExperimentDefinition | 'weight', unknown>>;

const MAX_ALPHA = 0.5;

const variantSchema = strictObject({
  id: idSchema,
  name: nameSchema.optional(),
  weight: numberSchema.gt(0, 'must be > 0').default(EXPERIMENT_DEFAULTS.weight),
});

function metricIdList() {
  return z
    .array(idSchema, { error: required('an array of metric ids') })
    .default([])
    .superRefine((metrics, ctx) => addDuplicateIssues(metrics, ctx, (id) => `duplicate metric id "${id}"`, (index) => [index]));
}

const experimentSchema = strictObject({
  id: idSchema,
  name: nameSchema.optional(),
  variants: z
    .array(variantSchema, { error: required('an array of variants') })
    .min(2, 'must have at least 2 variants')
    .superRefine((variants, ctx) => addDuplicateIssues(variants.map((variant) => variant.id), ctx, (id) => `duplicate variant id "${id}"`, (index) => [index, 'id'])),
  control_variant_id: idSchema.optional(),
  metrics: z
    .array(idSchema, { error: required('an array of metric ids') })
    .default([])
    .superRefine((metrics, ctx) => addDuplicateIssues(metrics, ctx, (id) => `duplicate metric id "${id}"`, (index) => [index])),
  primary_metrics: metricIdList(),
  secondary_metrics: metricIdList(),
  guardrail_metrics: metricIdList(),
  guardrail_alpha: numberSchema.gt(0, `must be in (0, ${MAX_ALPHA}]`).lte(MAX_ALPHA, `must be in (0, ${MAX_ALPHA}]`).default(EXPERIMENT_DEFAULTS.guardrail_alpha),
  start_time: timestampSchema.nullable().default(null),
  min_runtime_ms: durationSchema.default(EXPERIMENT_DEFAULTS.min_runtime_ms),
  min_persons_per_variant: numberSchema.int('must be a whole number').min(1, 'must be >= 1').default(EXPERIMENT_DEFAULTS.min_persons_per_variant),
  alpha: numberSchema.gt(0, `must be in (0, ${MAX_ALPHA}]`).lte(MAX_ALPHA, `must be in (0, ${MAX_ALPHA}]`).default(EXPERIMENT_DEFAULTS.alpha),
  sequential_tuning_parameter: numberSchema.gt(0, 'must be > 0').default(EXPERIMENT_DEFAULTS.sequential_tuning_parameter),
  correction: z.enum(['holm', 'bh'], { error: required('"holm" or "bh"') }).default(EXPERIMENT_DEFAULTS.correction),
  srm_threshold: numberSchema.gt(0, 'must be in (0, 1)').lt(1, 'must be in (0, 1)').default(EXPERIMENT_DEFAULTS.srm_threshold),
})
  .superRefine((experiment, ctx) => {
    const ids = experiment.variants.map((variant) => variant.id);
    if (experiment.control_variant_id !== undefined && !ids.includes(experiment.control_variant_id)) {
      ctx.addIssue({ code: 'custom', path: ['control_variant_id'], message: `must be one of the variant ids (${ids.join(', ')})` });
    }
    // A metric has one role: the first list naming it wins the complaint's wording.
    const roleOf = new Map<string, MetricRole>();
    for (const role of METRIC_ROLES) {
      experiment[`${role}_metrics`].forEach((id, index) => {
        const earlier = roleOf.get(id);
        if (earlier && earlier !== role) ctx.addIssue({ code: 'custom', path: [`${role}_metrics`, index], message: `metric "${id}" is already a ${earlier} metric: a metric has one role` });
        else if (!earlier) roleOf.set(id, role);
      });
    }
  })
  .transform(
    (experiment): ExperimentDefinition => ({
      id: experiment.id,
      name: experiment.name ?? experiment.id,
      variants: experiment.variants.map((variant) => ({ id: variant.id, name: variant.name ?? variant.id, weight: variant.weight })),
      control_variant_id: experiment.control_variant_id ?? firstVariantId(experiment.variants),
      metrics: experiment.metrics,
      primary_metrics: experiment.primary_metrics,
      secondary_metrics: experiment.secondary_metrics,
      guardrail_metrics: experiment.guardrail_metrics,
      guardrail_alpha: experiment.guardrail_alpha,
      start_time: experiment.start_time,
      min_runtime_ms: experiment.min_runtime_ms,
      min_persons_per_variant: experiment.min_persons_per_variant,
      alpha: experiment.alpha,
      sequential_tuning_parameter: experiment.sequential_tuning_parameter,
      correction: experiment.correction,
      srm_threshold: experiment.srm_threshold,
    }),
  );

function firstVariantId(variants: readonly { id: string }[]): string {
  const first = variants[0];
  // Unreachable: the schema requires at least two variants before transforming.
  if (!first) throw new DefinitionError('invalid experiment definition', [{ path: 'variants', message: 'must have at least 2 variants' }]);
  return first.id;
}

/**
 * Validates an experiment definition and fills in its defaults. Throws a
 * DefinitionError naming every problem with its path. Parsing the result
 * again gives the same result.
 */
export function parseExperimentDefinition(input: unknown): ExperimentDefinition {
  const parsed = experimentSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new DefinitionError(describeSubject('experiment', input), toDefinitionIssues(parsed.error));
}


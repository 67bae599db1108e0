import { z } from 'zod';
import { GenerationsError } from './errors';

/** The key of the one record that says which generation is live and which is being built. */
export const GENERATIONS_KEY = 'generations';
/** The key of a reprocess request (`abtest-processor reprocess`); the coordinator turns it into a generation. */
export const REPROCESS_REQUEST_KEY = 'reprocess-request';

const generation = z.object({
  generation: z.number().int().positive(),
  application_id: z.string().min(1),
  /** What the state was built with (see @abtest/experiments' state inputs): a change needs a rebuild. */
  state_digest: z.string(),
  state_inputs: z.record(z.string(), z.string()),
  /** Why it was built (null for the first generation). */
  reason: z.string().nullable(),
  started_at: z.number(),
  /** The oldest retained event when the rebuild started, if older ones were past retention; null when the whole history was there. */
  counted_from: z.number().nullable(),
});

const nextGeneration = generation.extend({
  /** building: reading the raw topic; switching: caught up, the live generation is stopping. */
  phase: z.enum(['building', 'switching']),
  /** Raw topic offset per partition the rebuild starts from (the log start when requested). */
  start_offsets: z.record(z.string(), z.string()),
});

const generationsRecord = z.object({
  live: generation,
  next: nextGeneration.nullable(),
  /** Application ids whose state is to be deleted (replaced or abandoned generations). */
  retired: z.array(z.string()),
  /** The id of the last reprocess request turned into a generation. */
  handled_request: z.string().nullable(),
});

const reprocessRequest = z.object({ id: z.string().min(1), reason: z.string().min(1), requested_at: z.number() });

export type Generation = z.infer<typeof generation>;
export type NextGeneration = z.infer<typeof nextGeneration>;
export type GenerationsRecord = z.infer<typeof generationsRecord>;
export type ReprocessRequest = z.infer<typeof reprocessRequest>;

function parse<T>(schema: z.ZodType<T>, key: string, value: Buffer): T {
  let input: unknown;
  try {
    input = JSON.parse(value.toString('utf8'));
  } catch (error) {
    throw new GenerationsError(`the ${key} record is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new GenerationsError(`invalid ${key} record: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export const parseGenerationsRecord = (value: Buffer): GenerationsRecord => parse(generationsRecord, GENERATIONS_KEY, value);
export const parseReprocessRequest = (value: Buffer): ReprocessRequest => parse(reprocessRequest, REPROCESS_REQUEST_KEY, value);

/** Generation 1 runs under the configured application id; generation n under `<id>-g<n>` (its consumer group, internal topics and Redis keys). */
export const applicationIdOf = (baseApplicationId: string, generationNumber: number): string => (generationNumber === 1 ? baseApplicationId : `${baseApplicationId}-g${generationNumber}`);

/** The compacted topic of the records above: `<base application id>-generations`. */
export const generationsTopicOf = (baseApplicationId: string): string => `${baseApplicationId}-generations`;

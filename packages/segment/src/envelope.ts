import { z } from 'zod';
import { jsonPath, type ValidationIssue } from './json-path';
import type { BatchDefaults } from './normalize';
import { jsonObject } from './schema';
import { ISO_TIMESTAMP_REASON, isIsoTimestamp } from './timestamp';

/** A `/v1/batch` request: `{ batch: [...], context?, integrations?, writeKey?, sentAt? }`. */
export interface BatchEnvelope {
  batch: unknown[];
  /** Merged into every message of the batch. */
  defaults: BatchDefaults;
  writeKey?: string;
}

const envelopeSchema = z.looseObject(
  {
    batch: z.array(z.unknown(), { error: (issue) => (issue.input === undefined ? 'is required' : 'must be an array of messages') }).min(1, 'must contain at least one message'),
    context: jsonObject.optional(),
    integrations: jsonObject.optional(),
    writeKey: z.string({ error: 'must be a string' }).optional(),
    sentAt: z.string({ error: 'must be a string' }).refine(isIsoTimestamp, ISO_TIMESTAMP_REASON).optional(),
  },
  { error: 'must be a JSON object with a "batch" array' },
);

export type EnvelopeResult = { ok: true; envelope: BatchEnvelope } | { ok: false; issues: ValidationIssue[] };

export function parseBatchEnvelope(body: unknown): EnvelopeResult {
  const parsed = envelopeSchema.safeParse(body);
  if (!parsed.success) return { ok: false, issues: parsed.error.issues.map((issue) => ({ path: jsonPath('$', issue.path), reason: issue.message })) };
  const { batch, context, integrations, writeKey, sentAt } = parsed.data;
  const defaults: BatchDefaults = {};
  if (context) defaults.context = context;
  if (integrations) defaults.integrations = integrations;
  if (sentAt) defaults.sentAt = sentAt;
  return { ok: true, envelope: writeKey === undefined ? { batch, defaults } : { batch, defaults, writeKey } };
}

import { z } from 'zod';
import { isJsonObject } from './json-object';
import { MAX_ID_LENGTH, MAX_MESSAGE_ID_LENGTH } from './limits';
import { ISO_TIMESTAMP_REASON, isIsoTimestamp } from './timestamp';

/** The six message types of the Segment spec. */
export const MESSAGE_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export function isMessageType(value: unknown): value is MessageType {
  return typeof value === 'string' && (MESSAGE_TYPES as readonly string[]).includes(value);
}

const required = (expected: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${expected}`);

/** Segment ids are strings; older libraries send numbers, which normalization turns into strings. */
const identifier = z
  .custom<string | number>((value) => (typeof value === 'string' && value.length > 0) || (typeof value === 'number' && Number.isFinite(value)), {
    error: required('a non-empty string or a number'),
  })
  .refine((value) => typeof value !== 'string' || value.length <= MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters (MAX_ID_LENGTH)`);
const isoTimestamp = z.string({ error: required('a string') }).refine(isIsoTimestamp, ISO_TIMESTAMP_REASON);
/**
 * A JSON object (context, properties, traits...), passed through as it is: a
 * predicate instead of z.record, which copied every object key by key (most
 * of an event's validation time). Like z.record it drops an own `__proto__`
 * key (JSON.parse makes one of `"__proto__": ...`), so the records written
 * are the same.
 */
export const jsonObject = z.custom<Record<string, unknown>>(isJsonObject, { error: 'must be a JSON object' }).transform(withoutProtoKey);

function withoutProtoKey(object: Record<string, unknown>): Record<string, unknown> {
  if (!Object.hasOwn(object, '__proto__')) return object;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) if (key !== '__proto__') copy[key] = value;
  return copy;
}
const nonEmptyString = z.string({ error: required('a string') }).min(1, 'must not be empty');

/** Fields every message may carry; unknown fields are kept as they are. */
const common = {
  messageId: z
    .string({ error: 'must be a string' })
    .min(1, 'must not be empty')
    .max(MAX_MESSAGE_ID_LENGTH, `must be at most ${MAX_MESSAGE_ID_LENGTH} characters`)
    .optional(),
  userId: identifier.nullish(),
  anonymousId: identifier.nullish(),
  timestamp: isoTimestamp.optional(),
  sentAt: isoTimestamp.optional(),
  originalTimestamp: isoTimestamp.optional(),
  context: jsonObject.optional(),
  integrations: jsonObject.optional(),
};

export const trackSchema = z.looseObject({ ...common, type: z.literal('track'), event: nonEmptyString, properties: jsonObject.optional() });
export const identifySchema = z.looseObject({ ...common, type: z.literal('identify'), traits: jsonObject.optional() });
export const pageSchema = z.looseObject({
  ...common,
  type: z.literal('page'),
  name: z.string({ error: 'must be a string' }).nullish(),
  category: z.string({ error: 'must be a string' }).nullish(),
  properties: jsonObject.optional(),
});
export const screenSchema = z.looseObject({ ...common, type: z.literal('screen'), name: z.string({ error: 'must be a string' }).nullish(), properties: jsonObject.optional() });
export const groupSchema = z.looseObject({ ...common, type: z.literal('group'), groupId: identifier, traits: jsonObject.optional() });
export const aliasSchema = z.looseObject({ ...common, type: z.literal('alias'), previousId: identifier, userId: identifier });

export const MESSAGE_SCHEMAS = {
  track: trackSchema,
  identify: identifySchema,
  page: pageSchema,
  screen: screenSchema,
  group: groupSchema,
  alias: aliasSchema,
} as const;

export type TrackMessage = z.output<typeof trackSchema>;
export type IdentifyMessage = z.output<typeof identifySchema>;
export type PageMessage = z.output<typeof pageSchema>;
export type ScreenMessage = z.output<typeof screenSchema>;
export type GroupMessage = z.output<typeof groupSchema>;
export type AliasMessage = z.output<typeof aliasSchema>;
/** A message that passed validation, as the client sent it. */
export type SegmentMessage = TrackMessage | IdentifyMessage | PageMessage | ScreenMessage | GroupMessage | AliasMessage;

import { createHash } from 'node:crypto';
import stableStringify from 'fast-json-stable-stringify';

/** Marks a messageId the ingress derived; a client's own ids never need it. */
export const DERIVED_MESSAGE_ID_PREFIX = 'derived-';

/**
 * Fields that change between two deliveries of the same event (a client's
 * retry sets a new `sentAt`; the server sets `receivedAt`) or must never
 * influence an id (`writeKey` is a secret).
 */
const TRANSPORT_FIELDS = new Set(['messageId', 'sentAt', 'receivedAt', 'writeKey']);

/**
 * A deterministic messageId for a message that has none: sha256 over the
 * canonical JSON (keys sorted) of its content without transport fields, so a
 * retried delivery gets the same id and deduplicates downstream. Two events
 * with identical content and no timestamp get the same id: clients that send
 * such events must send a messageId (Segment's libraries always do).
 */
export function deriveMessageId(message: Readonly<Record<string, unknown>>): string {
  const content: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(message)) {
    if (!TRANSPORT_FIELDS.has(key)) content[key] = value;
  }
  return DERIVED_MESSAGE_ID_PREFIX + createHash('sha256').update(stableStringify(content)).digest('hex');
}

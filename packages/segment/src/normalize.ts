import { isJsonObject, mergeObjects } from './json-object';
import { deriveMessageId } from './message-id';
import type { MessageType, SegmentMessage } from './schema';

/** Fields a batch request sets for all its messages (`/v1/batch` envelope). */
export interface BatchDefaults {
  context?: Record<string, unknown>;
  integrations?: Record<string, unknown>;
  /** When the client sent the request; the clock-skew correction uses it. */
  sentAt?: string;
}

/** A message as written to Kafka. */
export interface NormalizedMessage {
  type: MessageType;
  messageId: string;
  /** When the ingress received the message (server clock). */
  receivedAt: string;
  /** When the event happened, corrected for the client's clock skew. */
  timestamp: string;
  userId?: string;
  anonymousId?: string;
  [field: string]: unknown;
}

export interface NormalizedEvent {
  message: NormalizedMessage;
  /** The client sent no messageId: the ingress derived one from the content. */
  messageIdDerived: boolean;
}

/**
 * Turns a valid message into what the processor reads, as Segment does:
 * batch-level `context`/`integrations` merged in (the message's own values
 * win), `writeKey` removed (a secret), ids as strings, a deterministic
 * `messageId` when the client sent none, `receivedAt` = server time, and
 * `timestamp` corrected for clock skew: `receivedAt − (sentAt − timestamp)`,
 * keeping the client's value as `originalTimestamp`.
 *
 * A message that already has an `originalTimestamp` was normalized upstream
 * (Segment's Webhooks destination forwards processed events): its
 * `timestamp` is already corrected and is kept.
 */
export function normalizeMessage(input: SegmentMessage, receivedAt: Date, defaults: BatchDefaults = {}): NormalizedEvent {
  const message: Record<string, unknown> = { ...input };
  delete message.writeKey;
  if (defaults.context) message.context = isJsonObject(input.context) ? mergeObjects(defaults.context, input.context) : defaults.context;
  if (defaults.integrations) message.integrations = isJsonObject(input.integrations) ? mergeObjects(defaults.integrations, input.integrations) : defaults.integrations;
  if (input.sentAt === undefined && defaults.sentAt !== undefined) message.sentAt = defaults.sentAt;
  setId(message, 'userId', input.userId);
  setId(message, 'anonymousId', input.anonymousId);

  const messageIdDerived = input.messageId === undefined;
  const messageId = input.messageId ?? deriveMessageId(message);
  const timing = correctTimestamp(input, message.sentAt, receivedAt);
  return {
    message: { ...message, type: input.type, messageId, ...timing, receivedAt: receivedAt.toISOString() },
    messageIdDerived,
  };
}

function setId(message: Record<string, unknown>, field: 'userId' | 'anonymousId', value: string | number | null | undefined): void {
  if (value === undefined || value === null) delete message[field];
  else message[field] = String(value);
}

function correctTimestamp(input: SegmentMessage, sentAt: unknown, receivedAt: Date): { timestamp: string; originalTimestamp?: string } {
  if (input.originalTimestamp !== undefined) {
    return { timestamp: input.timestamp ?? receivedAt.toISOString(), originalTimestamp: input.originalTimestamp };
  }
  if (input.timestamp === undefined) return { timestamp: receivedAt.toISOString() };
  if (typeof sentAt !== 'string') return { timestamp: input.timestamp, originalTimestamp: input.timestamp };
  const skewMs = Date.parse(sentAt) - Date.parse(input.timestamp);
  return { timestamp: new Date(receivedAt.getTime() - skewMs).toISOString(), originalTimestamp: input.timestamp };
}

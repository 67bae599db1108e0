import { createHash } from 'node:crypto';
import type { ValidationIssue } from './json-path';
import type { NormalizedEvent } from './normalize';
import { personKey } from './person-key';
import { isMessageType } from './schema';

/** Kafka header names of event and dead-letter records; consumers read these. */
export const RECORD_HEADERS = {
  /** track, identify, page, screen, group or alias. */
  eventType: 'event-type',
  /** Name of the configured source whose credentials the request carried. */
  source: 'source',
  /** Server time the ingress received the event, ISO-8601. */
  receivedAt: 'received-at',
  /** "true" when the ingress derived the messageId (the client sent none). */
  messageIdDerived: 'message-id-derived',
  /** Dead letters only: why the event was refused. */
  deadLetterReason: 'dead-letter-reason',
} as const;

/** A record ready for any Kafka client: key, JSON value and string headers. */
export interface EventRecord {
  key: string | null;
  value: string;
  /** Read-only: event records of one request share their headers objects. */
  headers: Readonly<Record<string, string>>;
}

/** Value of a dead-letter record above this size keeps only a prefix of the event. */
export const MAX_DEAD_LETTER_EVENT_BYTES = 256 * 1024;

export type DeadLetterReason = 'invalid' | 'too_large';

/** The value of a dead-letter record: the refused event and every reason. */
export interface DeadLetter {
  reason: DeadLetterReason;
  issues: ValidationIssue[];
  source: string;
  receivedAt: string;
  /** Position in the request's batch; absent for single-event requests. */
  index?: number;
  /** The event exactly as received, when it is small enough. */
  event?: unknown;
  /**
   * The event's JSON text (its first MAX_DEAD_LETTER_EVENT_BYTES bytes), when
   * it was larger than that or nested too deep to be embedded as `event`.
   */
  eventPrefix?: string;
}

export function toEventRecord(event: NormalizedEvent, source: string): EventRecord {
  return createEventRecorder(source)(event);
}

/**
 * toEventRecord for the events of one request. Their headers differ only by
 * type and derived messageId (source and receivedAt are the request's), so
 * records with the same headers share one frozen headers object: fewer
 * objects to build, and a shared object crosses to the producer thread once.
 */
export function createEventRecorder(source: string): (event: NormalizedEvent) => EventRecord {
  const shared = new Map<string, Readonly<Record<string, string>>>();
  return (event) => {
    const { message } = event;
    const id = `${message.type}\n${event.messageIdDerived}\n${message.receivedAt}`;
    let headers = shared.get(id);
    if (headers === undefined) {
      const built: Record<string, string> = {
        [RECORD_HEADERS.eventType]: message.type,
        [RECORD_HEADERS.source]: source,
        [RECORD_HEADERS.receivedAt]: message.receivedAt,
      };
      if (event.messageIdDerived) built[RECORD_HEADERS.messageIdDerived] = 'true';
      headers = Object.freeze(built);
      shared.set(id, headers);
    }
    return { key: personKey(message) ?? null, value: JSON.stringify(message), headers };
  };
}

/**
 * A dead-letter record keeps the event as it arrived so it can be repaired
 * and replayed. Nothing in it comes unbounded from the client but the value:
 * the key is a hash of the event's person (one person's dead letters stay in
 * one partition, however long the id), the `event-type` header is set only
 * for one of the six types. `eventJson` is the event's JSON when the caller
 * already serialized it; `embed: false` keeps the event as text only (an
 * event too deep for JSON.stringify).
 */
export function toDeadLetterRecord(deadLetter: Omit<DeadLetter, 'event' | 'eventPrefix'>, event: unknown, eventJson?: string, options: { embed?: boolean } = {}): EventRecord {
  const json = eventJson ?? JSON.stringify(event) ?? 'null';
  const value: DeadLetter =
    options.embed === false || Buffer.byteLength(json) > MAX_DEAD_LETTER_EVENT_BYTES
      ? { ...deadLetter, eventPrefix: Buffer.from(json).subarray(0, MAX_DEAD_LETTER_EVENT_BYTES).toString() }
      : { ...deadLetter, event };
  const person = typeof event === 'object' && event !== null ? personKey(event) : undefined;
  const headers: Record<string, string> = {
    [RECORD_HEADERS.deadLetterReason]: deadLetter.reason,
    [RECORD_HEADERS.source]: deadLetter.source,
    [RECORD_HEADERS.receivedAt]: deadLetter.receivedAt,
  };
  const type = typeof event === 'object' && event !== null && 'type' in event ? event.type : undefined;
  if (isMessageType(type)) headers[RECORD_HEADERS.eventType] = type;
  return { key: person === undefined ? null : deadLetterKey(person), value: JSON.stringify(value), headers };
}

/** The key of a person's dead letters: base64url SHA-256 of the person key, 43 characters. */
export function deadLetterKey(person: string): string {
  return createHash('sha256').update(person).digest('base64url');
}

import { isJsonObject } from './json-object';
import { jsonPath, type ValidationIssue } from './json-path';
import { MAX_EVENT_BYTES } from './limits';
import { normalizeMessage, type BatchDefaults } from './normalize';
import { toDeadLetterRecord, toEventRecord, type DeadLetterReason, type EventRecord } from './record';
import type { MessageType } from './schema';
import { validateMessage } from './validate';

export interface IntakeOptions {
  /** Server time of the request; every event of it gets the same receivedAt. */
  receivedAt: Date;
  /** Name of the authenticated source, written into a header. */
  source: string;
  /** JSONPath of the message list: `$.batch` for `/v1/batch`, `$` for a webhook array. */
  path: string;
  /** Set when the request carried one message (not a list): paths then omit the index. */
  single?: boolean;
  defaults?: BatchDefaults;
  /** Endpoint type (`/v1/track` → track): set when a message has no type, an error when it differs. */
  expectedType?: MessageType;
  /** Size of the request body: when it is within the event limit no event can exceed it. */
  bodyBytes: number;
  maxEventBytes?: number;
}

export interface AcceptedEvent {
  index: number;
  type: MessageType;
  messageId: string;
  record: EventRecord;
}

export interface RejectedEvent {
  index: number;
  reason: DeadLetterReason;
  issues: ValidationIssue[];
  /** The dead-letter record to write. */
  record: EventRecord;
  /** The message type when it was readable, for metrics. */
  type?: string;
}

export interface IntakeResult {
  accepted: AcceptedEvent[];
  rejected: RejectedEvent[];
}

/**
 * Validates and normalizes the messages of one request: each valid one
 * becomes an event record, each invalid one a dead-letter record naming every
 * problem. Nothing is dropped: `accepted.length + rejected.length` always
 * equals `inputs.length`.
 */
export function prepareEvents(inputs: readonly unknown[], options: IntakeOptions): IntakeResult {
  const maxEventBytes = options.maxEventBytes ?? MAX_EVENT_BYTES;
  const checkSize = options.bodyBytes > maxEventBytes;
  const result: IntakeResult = { accepted: [], rejected: [] };
  inputs.forEach((input, index) => {
    const path = options.single ? options.path : jsonPath(options.path, [index]);
    const reject = (reason: DeadLetterReason, issues: ValidationIssue[], json?: string) => {
      const record = toDeadLetterRecord({ reason, issues, source: options.source, receivedAt: options.receivedAt.toISOString(), ...(options.single ? {} : { index }) }, input, json);
      const type = isJsonObject(input) && typeof input.type === 'string' ? input.type : undefined;
      result.rejected.push({ index, reason, issues, record, ...(type === undefined ? {} : { type }) });
    };
    if (checkSize) {
      const json = JSON.stringify(input) ?? '';
      const bytes = Buffer.byteLength(json);
      if (bytes > maxEventBytes) return reject('too_large', [{ path, reason: `is ${bytes} bytes: an event must be at most ${maxEventBytes} bytes (MAX_EVENT_BYTES)` }], json);
    }
    const typed = withExpectedType(input, options.expectedType, path);
    if (!typed.ok) return reject('invalid', typed.issues);
    const validation = validateMessage(typed.message, path);
    if (!validation.ok) return reject('invalid', validation.issues);
    const normalized = normalizeMessage(validation.message, options.receivedAt, options.defaults);
    result.accepted.push({ index, type: validation.message.type, messageId: normalized.message.messageId, record: toEventRecord(normalized, options.source) });
  });
  return result;
}

type Typed = { ok: true; message: unknown } | { ok: false; issues: ValidationIssue[] };

/** The Tracking API's `/v1/track` etc. imply the type: clients may leave it out. */
function withExpectedType(input: unknown, expectedType: MessageType | undefined, path: string): Typed {
  if (!expectedType || !isJsonObject(input)) return { ok: true, message: input };
  if (input.type === undefined) return { ok: true, message: { ...input, type: expectedType } };
  if (input.type === expectedType) return { ok: true, message: input };
  return { ok: false, issues: [{ path: jsonPath(path, ['type']), reason: `must be "${expectedType}" on this endpoint (or left out)` }] };
}

import { MAX_JSON_DEPTH, stringifyDeep, tooDeepPath } from './json-depth';
import { isJsonObject } from './json-object';
import { jsonPath, type ValidationIssue } from './json-path';
import { MAX_EVENT_BYTES } from './limits';
import { createNormalizer, type BatchDefaults } from './normalize';
import { createEventRecorder, toDeadLetterRecord, type DeadLetterReason, type EventRecord } from './record';
import type { MessageType, SegmentMessage } from './schema';
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
  /**
   * Nesting depth of the request body (`nestingDepth` of its bytes): past
   * MAX_JSON_DEPTH each message is checked for nesting. Unset: not checked.
   */
  bodyDepth?: number;
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
  const checkDepth = (options.bodyDepth ?? 0) > MAX_JSON_DEPTH;
  const result: IntakeResult = { accepted: [], rejected: [] };
  const normalize = createNormalizer(options.receivedAt, options.defaults);
  const toEventRecord = createEventRecorder(options.source);
  const receivedAt = options.receivedAt.toISOString();
  inputs.forEach((input, index) => {
    const path = options.single ? options.path : jsonPath(options.path, [index]);
    const reject = (reason: DeadLetterReason, issues: ValidationIssue[], json?: string, embed?: boolean) => {
      const record = toDeadLetterRecord({ reason, issues, source: options.source, receivedAt, ...(options.single ? {} : { index }) }, input, json, embed === undefined ? {} : { embed });
      const type = isJsonObject(input) && typeof input.type === 'string' ? input.type : undefined;
      result.rejected.push({ index, reason, issues, record, ...(type === undefined ? {} : { type }) });
    };
    const deepPath = checkDepth ? tooDeepPath(input, MAX_JSON_DEPTH, path) : undefined;
    if (deepPath !== undefined) return reject('invalid', [{ path: deepPath, reason: `nests deeper than ${MAX_JSON_DEPTH} levels of objects and arrays (MAX_JSON_DEPTH)` }], stringifyDeep(input), false);
    const typed = withExpectedType(input, options.expectedType, path);
    const validation = typed.ok ? validateMessage(typed.message, path) : typed;
    if (!validation.ok) {
      if (!checkSize) return reject('invalid', validation.issues);
      const json = JSON.stringify(input) ?? '';
      return Buffer.byteLength(json) > maxEventBytes ? reject('too_large', [tooLarge(path, json, maxEventBytes)], json) : reject('invalid', validation.issues, json);
    }
    const normalized = normalize(validation.message);
    const record = toEventRecord(normalized);
    if (checkSize && Buffer.byteLength(record.value) + bytesNormalizationDrops(validation.message) > maxEventBytes) {
      // Only near the limit: the event as received is measured exactly.
      const json = JSON.stringify(input) ?? '';
      if (Buffer.byteLength(json) > maxEventBytes) return reject('too_large', [tooLarge(path, json, maxEventBytes)], json);
    }
    result.accepted.push({ index, type: validation.message.type, messageId: normalized.message.messageId, record });
  });
  return result;
}

function tooLarge(path: string, json: string, maxEventBytes: number): ValidationIssue {
  return { path, reason: `is ${Buffer.byteLength(json)} bytes: an event must be at most ${maxEventBytes} bytes (MAX_EVENT_BYTES)` };
}

/**
 * Normalization only adds to an event (receivedAt, corrected timestamp,
 * merged context...) except for what it drops or replaces: writeKey, null
 * ids and a received receivedAt. The normalized JSON plus these bounds the
 * size of the event as received, so only events near the limit need to be
 * serialized again to be measured.
 */
function bytesNormalizationDrops(message: SegmentMessage): number {
  const fieldBytes = (name: string, value: unknown) => (value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value) ?? '') + name.length + 4);
  return fieldBytes('writeKey', message.writeKey) + fieldBytes('receivedAt', message.receivedAt) + fieldBytes('userId', message.userId === null ? null : undefined) + fieldBytes('anonymousId', message.anonymousId === null ? null : undefined);
}

type Typed = { ok: true; message: unknown } | { ok: false; issues: ValidationIssue[] };

/** The Tracking API's `/v1/track` etc. imply the type: clients may leave it out. */
function withExpectedType(input: unknown, expectedType: MessageType | undefined, path: string): Typed {
  if (!expectedType || !isJsonObject(input)) return { ok: true, message: input };
  if (input.type === undefined) return { ok: true, message: { ...input, type: expectedType } };
  if (input.type === expectedType) return { ok: true, message: input };
  return { ok: false, issues: [{ path: jsonPath(path, ['type']), reason: `must be "${expectedType}" on this endpoint (or left out)` }] };
}

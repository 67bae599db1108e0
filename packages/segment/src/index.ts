export { MAX_EVENT_BYTES, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_MESSAGE_ID_LENGTH, MAX_ID_LENGTH, WEBHOOK_MAX_BATCH_EVENTS } from './limits';
export { MAX_JSON_DEPTH, nestingDepth, tooDeepPath } from './json-depth';
export { EXPERIMENT_VIEWED, EXPERIMENT_CLICKED } from './experiment-events';
export {
  MESSAGE_TYPES,
  isMessageType,
  type MessageType,
  type SegmentMessage,
  type TrackMessage,
  type IdentifyMessage,
  type PageMessage,
  type ScreenMessage,
  type GroupMessage,
  type AliasMessage,
} from './schema';
export { validateMessage, type ValidationResult } from './validate';
export { jsonPath, type ValidationIssue } from './json-path';
export { isIsoTimestamp, parseIsoTimestamp } from './timestamp';
export { isJsonObject } from './json-object';
export { normalizeMessage, createNormalizer, type NormalizedMessage, type NormalizedEvent, type BatchDefaults } from './normalize';
export { deriveMessageId, DERIVED_MESSAGE_ID_PREFIX } from './message-id';
export { personKey } from './person-key';
export { parseBatchEnvelope, type BatchEnvelope, type EnvelopeResult } from './envelope';
export {
  RECORD_HEADERS,
  MAX_DEAD_LETTER_EVENT_BYTES,
  toEventRecord,
  toDeadLetterRecord,
  deadLetterKey,
  type EventRecord,
  type DeadLetter,
  type DeadLetterReason,
} from './record';
export { prepareEvents, type IntakeOptions, type IntakeResult, type AcceptedEvent, type RejectedEvent } from './intake';
export {
  SIGNATURE_HEADER,
  signBody,
  verifySignature,
  extractWriteKey,
  SourceAuthenticator,
  type SourceCredentials,
  type SourceAuthenticatorOptions,
  type AuthenticationRequest,
  type AuthenticationResult,
  type AuthenticationMethod,
  type AuthenticationFailure,
  type WriteKeyLocation,
} from './auth';

import { experimentKeyIssues } from './experiment-events';
import { isJsonObject } from './json-object';
import { jsonPath, type ValidationIssue } from './json-path';
import { MESSAGE_SCHEMAS, MESSAGE_TYPES, isMessageType, type SegmentMessage } from './schema';

export type ValidationResult = { ok: true; message: SegmentMessage } | { ok: false; issues: ValidationIssue[] };

/**
 * Checks one message against the Segment spec and names every problem with
 * its JSONPath (under `path`, e.g. `$.batch[3]`) and the reason.
 */
export function validateMessage(input: unknown, path = '$'): ValidationResult {
  if (!isJsonObject(input)) return invalid({ path, reason: 'must be a JSON object (a Segment message)' });
  if (!isMessageType(input.type)) {
    const reason = input.type === undefined ? 'is required' : `must be one of ${MESSAGE_TYPES.join(', ')}`;
    return invalid({ path: jsonPath(path, ['type']), reason });
  }
  const parsed = MESSAGE_SCHEMAS[input.type].safeParse(input);
  if (!parsed.success) return { ok: false, issues: parsed.error.issues.map((issue) => ({ path: jsonPath(path, issue.path), reason: issue.message })) };
  const message: SegmentMessage = parsed.data;
  if (message.type !== 'alias' && !hasId(message.userId) && !hasId(message.anonymousId)) {
    return invalid({ path, reason: 'must have a userId or an anonymousId' });
  }
  const keyIssues = experimentKeyIssues(message, path);
  if (keyIssues.length > 0) return { ok: false, issues: keyIssues };
  return { ok: true, message };
}

function hasId(value: string | number | null | undefined): boolean {
  return value !== undefined && value !== null;
}

function invalid(issue: ValidationIssue): ValidationResult {
  return { ok: false, issues: [issue] };
}

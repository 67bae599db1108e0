import type { ServerResponse } from 'node:http';

/**
 * The one JSON shape of an error answer, in every service:
 * `{ "error": { "code": "not_found", "message": "...", ...details } }`.
 * `code` is machine-readable and stable; `message` says what was wrong and
 * what was expected. (The ingress adds Segment's `"success": false` beside it.)
 */
export interface ErrorBody {
  error: { code: string; message: string; [detail: string]: unknown };
}

export function errorBody(code: string, message: string, details: Record<string, unknown> = {}): ErrorBody {
  return { error: { code, message, ...details } };
}

/** Answers `status` with the error body (and `Retry-After` when given, for 429 and 503). */
export function sendError(res: ServerResponse, status: number, code: string, message: string, options: { details?: Record<string, unknown>; retryAfterSeconds?: number } = {}): void {
  if (options.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(options.retryAfterSeconds));
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(errorBody(code, message, options.details)));
}

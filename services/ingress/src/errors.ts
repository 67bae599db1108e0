import type { ServerResponse } from 'node:http';
import type { ErrorRequestHandler } from 'express';
import { KafkaIoError } from '@abtest/kafka-io';
import { sendJson } from './http/reply';
import { errorBody as sharedErrorBody, type ErrorBody, type Logger } from '@abtest/observability';
import type { ValidationIssue } from '@abtest/segment';

/** Machine-readable reason of an error answer; also the `reason` label of the rejection metric. */
export type ErrorCode =
  | 'bad_content_type'
  | 'invalid_json'
  | 'invalid_request'
  | 'invalid_event'
  | 'unknown_topic'
  | 'unauthorized'
  | 'payload_too_large'
  | 'rate_limited'
  | 'kafka_unavailable'
  | 'kafka_rejected'
  | 'not_found'
  | 'internal_error';

/** One refused message of a request: its position and every problem. */
export interface RejectedSummary {
  index: number;
  reason: string;
  errors: ValidationIssue[];
}

/** What an error answer says besides code and message. */
export interface ErrorDetails {
  issues?: ValidationIssue[];
  rejected?: RejectedSummary[];
  limit?: { name: string; value: number };
  retryAfterSeconds?: number;
}

/** An answer other than 2xx. Segment's retry rules: 4xx are final (except 429), 5xx retried. */
export class HttpError extends Error {
  override readonly name: string = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly extra: ErrorDetails = {},
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

export class BadRequestError extends HttpError {
  override readonly name: string = 'BadRequestError';
  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(400, code, message, details);
  }
}

/** Every message of the request was invalid (and dead-lettered): 400, each one listed. */
export class InvalidEventsError extends BadRequestError {
  override readonly name = 'InvalidEventsError';
  constructor(message: string, rejected: RejectedSummary[]) {
    super('invalid_event', message, { issues: rejected.flatMap((event) => event.errors), rejected });
  }
}

export class UnauthorizedError extends HttpError {
  override readonly name = 'UnauthorizedError';
  constructor(message: string) {
    super(401, 'unauthorized', message);
  }
}

export class PayloadTooLargeError extends HttpError {
  override readonly name = 'PayloadTooLargeError';
  constructor(what: string, limit: { name: string; value: number; unit: 'bytes' | 'events' }) {
    super(413, 'payload_too_large', `${what} exceeds ${limit.value} ${limit.unit} (${limit.name})`, { limit: { name: limit.name, value: limit.value } });
  }
}

export class RateLimitedError extends HttpError {
  override readonly name = 'RateLimitedError';
  constructor(source: string, retryAfterSeconds: number) {
    super(429, 'rate_limited', `source ${source} is over its rate limit`, { retryAfterSeconds });
  }
}

/**
 * Maps any error to the answer: Kafka errors by their `retriable` flag
 * (503 + Retry-After, which Segment retries; or 500), unknown ones to 500.
 */
export function toHttpError(error: unknown, retryAfterSeconds: number): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof KafkaIoError) {
    return error.retriable
      ? new HttpError(503, 'kafka_unavailable', `Kafka cannot take the write now: ${error.message}`, { retryAfterSeconds }, { cause: error })
      : new HttpError(500, 'kafka_rejected', `Kafka refused the write: ${error.message}`, {}, { cause: error });
  }
  return new HttpError(500, 'internal_error', 'internal error', {}, { cause: error });
}

/** The JSON body of every error answer: the services' one error shape, with Segment's `success: false`. */
export function errorBody(error: HttpError): { success: false } & ErrorBody {
  return { success: false, ...sharedErrorBody(error.code, error.message, { ...error.extra }) };
}

export interface ErrorReplyOptions {
  logger: Logger;
  retryAfterSeconds: number;
  onError: (error: HttpError) => void;
}

/**
 * Answers a request that failed: one place where errors become answers,
 * metrics and logs (express' last handler and the lean event routes).
 */
export function replyWithError(res: ServerResponse, error: unknown, path: string, options: ErrorReplyOptions): void {
  const httpError = toHttpError(error, options.retryAfterSeconds);
  options.onError(httpError);
  if (httpError.status >= 500) options.logger.error({ err: error, path, code: httpError.code }, 'request failed');
  if (httpError.extra.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(httpError.extra.retryAfterSeconds));
  sendJson(res, httpError.status, errorBody(httpError));
}

/** Express's last handler. */
export function errorHandler(options: ErrorReplyOptions): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) return next(error);
    replyWithError(res, error, req.path, options);
  };
}

import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { gunzip } from 'node:zlib';
import type { RequestHandler } from 'express';
import getRawBody from 'raw-body';
import { nestingDepth } from '@abtest/segment';
import { BadRequestError, PayloadTooLargeError } from '../errors';

/** A request body as received and as parsed. */
export interface JsonBody {
  raw: Buffer;
  value: unknown;
  bytes: number;
  /** Deepest nesting of objects and arrays (`nestingDepth`): events are checked against MAX_JSON_DEPTH when it is larger. */
  depth: number;
}

/**
 * JSON, or text/plain carrying JSON: what analytics.js sends to avoid a
 * CORS preflight.
 */
const ACCEPTED_TYPES = ['application/json', 'text/plain'];

/** Content-Encoding values taken: Segment's server libraries can gzip their batches. */
const GZIP_ENCODINGS = new Set(['gzip', 'x-gzip']);

/**
 * Reads the raw body up to `limit` bytes; a larger one is answered 413
 * naming `limitName`. A gzip body is decompressed, and the limit applies to
 * what it decompresses to: zlib stops at the limit, so a small body that
 * would inflate to gigabytes (a gzip bomb) costs at most `limit` bytes of
 * memory before its 413. Signatures are checked over the decompressed JSON.
 * Other content types and encodings are 400.
 */
export function rawJsonBody(limit: number, limitName: string): RequestHandler {
  return (req, _res, next) => {
    if (req.is(ACCEPTED_TYPES) === false) {
      return next(new BadRequestError('bad_content_type', `Content-Type must be application/json (got ${req.get('content-type') ?? 'none'})`));
    }
    const encoding = req.get('content-encoding')?.trim().toLowerCase();
    const gzipped = encoding !== undefined && GZIP_ENCODINGS.has(encoding);
    if (encoding !== undefined && encoding !== 'identity' && !gzipped) {
      return next(new BadRequestError('bad_content_type', `Content-Encoding ${encoding} is not supported: send the body uncompressed or gzip`));
    }
    getRawBody(req, { limit, length: req.get('content-length') }).then(
      (raw) => {
        if (!gzipped) {
          req.body = raw;
          return next();
        }
        gunzip(raw, { maxOutputLength: limit }, (error, inflated) => {
          if (error) return next(gunzipError(error, limit, limitName));
          req.body = inflated;
          next();
        });
      },
      (error: unknown) => next(bodyError(error, limit, limitName)),
    );
  };
}

function gunzipError(error: NodeJS.ErrnoException, limit: number, limitName: string): unknown {
  if (error.code === 'ERR_BUFFER_TOO_LARGE') return new PayloadTooLargeError('the decompressed request body', { name: limitName, value: limit, unit: 'bytes' });
  return new BadRequestError('invalid_request', `Content-Encoding is gzip but the body is not valid gzip: ${error.message}`);
}

/**
 * Parses a body read by rawJsonBody or readBody. Bytes that are not UTF-8
 * are refused rather than stored as U+FFFD: the event would reach Kafka
 * silently changed, and ids or names with it.
 */
export function parseJsonBody(raw: unknown): JsonBody {
  if (!Buffer.isBuffer(raw) || raw.length === 0) throw new BadRequestError('invalid_json', 'the body is empty: expected JSON');
  if (!isUtf8(raw)) throw new BadRequestError('invalid_json', 'the body is not valid UTF-8: send JSON encoded as UTF-8 (RFC 8259)');
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new BadRequestError('invalid_json', `the body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { raw, value, bytes: raw.length, depth: nestingDepth(raw) };
}

/**
 * The lean routes' body reader: what rawJsonBody does for a request whose
 * Content-Length (`length`) is known and within the limit (the caller checked
 * both, and the content type). Node's parser enforces the Content-Length; a
 * request aborted midway is a 400, like raw-body says.
 */
export function readBody(req: IncomingMessage, length: number, callback: (error: unknown, raw: Buffer | undefined) => void): void {
  let first: Buffer | undefined;
  let chunks: Buffer[] | undefined;
  let received = 0;
  let complete = false;
  const finish = (error: unknown, raw: Buffer | undefined) => {
    if (complete) return;
    complete = true;
    req.removeListener('data', onData);
    req.removeListener('end', onEnd);
    req.removeListener('error', onError);
    if (error !== undefined) {
      req.unpipe();
      req.pause();
    }
    callback(error, raw);
  };
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    if (first === undefined) first = chunk;
    else (chunks ??= [first]).push(chunk);
  };
  const onEnd = () => {
    if (received !== length) return finish(new BadRequestError('invalid_request', 'request size did not match content length'), undefined);
    finish(undefined, chunks ? Buffer.concat(chunks, received) : (first ?? Buffer.alloc(0)));
  };
  const onError = (error: unknown) => finish(isAbort(error) ? new BadRequestError('invalid_request', 'request aborted') : error, undefined);
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', onError);
}

/** Node reports a request whose client went away as an ECONNRESET error ("aborted"). */
function isAbort(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'ECONNRESET';
}

/** raw-body reports problems as errors with a `type`. */
function bodyError(error: unknown, limit: number, limitName: string): unknown {
  const type = typeof error === 'object' && error !== null && 'type' in error ? error.type : undefined;
  if (type === 'entity.too.large') return new PayloadTooLargeError('the request body', { name: limitName, value: limit, unit: 'bytes' });
  if (type === 'request.aborted' || type === 'request.size.invalid') return new BadRequestError('invalid_request', error instanceof Error ? error.message : 'the request body was incomplete');
  return error;
}

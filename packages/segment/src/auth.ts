import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { isJsonObject } from './json-object';

/** Header Segment's Webhooks destination signs requests with. */
export const SIGNATURE_HEADER = 'x-signature';

const SHA1_HEX = /^[0-9a-f]{40}$/i;

/** Hex HMAC-SHA1 of the body with the shared secret, as Segment computes it. */
export function signBody(body: Buffer | string, secret: string): string {
  return createHmac('sha1', secret).update(body).digest('hex');
}

/**
 * True when `signature` is the HMAC-SHA1 of the raw body bytes under one of
 * the secrets. Every secret is tried and compared in constant time, so the
 * answer's timing tells nothing about the secrets or the signature.
 */
export function verifySignature(rawBody: Buffer | string, signature: string | undefined, secrets: readonly string[]): boolean {
  if (signature === undefined || !SHA1_HEX.test(signature)) return false;
  const presented = Buffer.from(signature, 'hex');
  let valid = false;
  for (const secret of secrets) {
    const expected = createHmac('sha1', secret).update(rawBody).digest();
    valid = timingSafeEqual(expected, presented) || valid;
  }
  return valid;
}

export type WriteKeyLocation = 'basic' | 'bearer' | 'body';

/**
 * The write key a request carries: as HTTP Basic username (`base64("KEY:")`,
 * what Segment's libraries send), as a Bearer token, or as `writeKey` in the
 * JSON body. The Authorization header wins over the body.
 */
export function extractWriteKey(authorization: string | undefined, body: unknown): { writeKey: string; location: WriteKeyLocation } | undefined {
  if (authorization) {
    const [scheme, value = ''] = authorization.trim().split(/\s+/, 2);
    if (scheme?.toLowerCase() === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const username = colon === -1 ? decoded : decoded.slice(0, colon);
      if (username) return { writeKey: username, location: 'basic' };
    }
    if (scheme?.toLowerCase() === 'bearer' && value) return { writeKey: value, location: 'bearer' };
  }
  if (isJsonObject(body) && typeof body.writeKey === 'string' && body.writeKey) return { writeKey: body.writeKey, location: 'body' };
  return undefined;
}

/** The credentials of one configured source. */
export interface SourceCredentials {
  name: string;
  writeKeys?: readonly string[];
  sharedSecrets?: readonly string[];
}

export interface AuthenticationRequest {
  rawBody: Buffer;
  /** The parsed body (write key in the body; first event of a batch). */
  body: unknown;
  /** Value of the X-Signature header. */
  signature?: string;
  /** Value of the Authorization header. */
  authorization?: string;
}

export type AuthenticationMethod = 'signature' | 'signature-first-event' | WriteKeyLocation;
export type AuthenticationFailure = 'missing_credentials' | 'invalid_signature' | 'invalid_write_key';
export type AuthenticationResult =
  | { ok: true; source: string; method: AuthenticationMethod }
  | { ok: false; failure: AuthenticationFailure; message: string };

export interface SourceAuthenticatorOptions {
  /**
   * Also accept Segment's older signing of batched webhook requests, which
   * signed only the first event (`JSON.stringify(body[0])`).
   */
  acceptFirstEventSignature?: boolean;
}

/**
 * Finds the source a request's credentials belong to. A signature, when
 * present, decides (a wrong one is refused even if a write key would match);
 * otherwise the write key does. Write keys are compared as sha256 digests in
 * constant time against every configured key.
 */
export class SourceAuthenticator {
  private readonly keyDigests: { source: string; digest: Buffer }[];
  private readonly secrets: { source: string; secrets: readonly string[] }[];

  constructor(
    sources: readonly SourceCredentials[],
    private readonly options: SourceAuthenticatorOptions = {},
  ) {
    this.keyDigests = sources.flatMap((source) => (source.writeKeys ?? []).map((key) => ({ source: source.name, digest: sha256(key) })));
    this.secrets = sources.filter((source) => (source.sharedSecrets ?? []).length > 0).map((source) => ({ source: source.name, secrets: source.sharedSecrets ?? [] }));
  }

  authenticate(request: AuthenticationRequest): AuthenticationResult {
    if (request.signature !== undefined) return this.bySignature(request, request.signature);
    const found = extractWriteKey(request.authorization, request.body);
    if (!found) return { ok: false, failure: 'missing_credentials', message: 'no credentials: send an X-Signature header, a write key as Basic username or Bearer token, or writeKey in the body' };
    const presented = sha256(found.writeKey);
    let source: string | undefined;
    for (const candidate of this.keyDigests) {
      if (timingSafeEqual(candidate.digest, presented) && source === undefined) source = candidate.source;
    }
    if (source === undefined) return { ok: false, failure: 'invalid_write_key', message: `the write key (${found.location}) belongs to no configured source` };
    return { ok: true, source, method: found.location };
  }

  private bySignature(request: AuthenticationRequest, signature: string): AuthenticationResult {
    let match: { source: string; method: AuthenticationMethod } | undefined;
    const firstEvent = this.options.acceptFirstEventSignature && Array.isArray(request.body) && request.body.length > 0 ? JSON.stringify(request.body[0]) : undefined;
    for (const { source, secrets } of this.secrets) {
      if (verifySignature(request.rawBody, signature, secrets)) match ??= { source, method: 'signature' };
      if (firstEvent !== undefined && verifySignature(firstEvent, signature, secrets)) match ??= { source, method: 'signature-first-event' };
    }
    if (!match) return { ok: false, failure: 'invalid_signature', message: 'X-Signature is not the HMAC-SHA1 of the body under any configured shared secret' };
    return { ok: true, ...match };
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

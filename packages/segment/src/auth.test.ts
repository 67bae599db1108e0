import { createHmac } from 'node:crypto';
import { SourceAuthenticator, extractWriteKey, signBody, verifySignature } from './auth';

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

describe('signBody / verifySignature', () => {
  const body = Buffer.from('{"type":"track","event":"x"}');

  it('should compute the hex HMAC-SHA1 of the raw bytes, as Segment does', () => {
    expect(signBody(body, 's3cret')).toBe(createHmac('sha1', 's3cret').update(body).digest('hex'));
  });

  it('should verify against any of the secrets', () => {
    const signature = signBody(body, 'second');
    expect(verifySignature(body, signature, ['first', 'second'])).toBe(true);
    expect(verifySignature(body, signature.toUpperCase(), ['second'])).toBe(true);
  });

  it('should refuse a tampered body, a wrong secret and malformed signatures', () => {
    const signature = signBody(body, 's3cret');
    expect(verifySignature(Buffer.from('{"type":"track","event":"y"}'), signature, ['s3cret'])).toBe(false);
    expect(verifySignature(body, signature, ['other'])).toBe(false);
    expect(verifySignature(body, signature.slice(2), ['s3cret'])).toBe(false);
    expect(verifySignature(body, `sha1=${signature}`, ['s3cret'])).toBe(false);
    expect(verifySignature(body, undefined, ['s3cret'])).toBe(false);
    expect(verifySignature(body, signature, [])).toBe(false);
  });
});

describe('extractWriteKey', () => {
  it('should read the Basic username that Segment libraries send', () => {
    expect(extractWriteKey(basic('wk_123'), undefined)).toEqual({ writeKey: 'wk_123', location: 'basic' });
    expect(extractWriteKey(`Basic ${Buffer.from('wk_123:ignored').toString('base64')}`, undefined)).toEqual({ writeKey: 'wk_123', location: 'basic' });
  });

  it('should read a Bearer token', () => {
    expect(extractWriteKey('Bearer wk_123', undefined)).toEqual({ writeKey: 'wk_123', location: 'bearer' });
  });

  it('should read writeKey from the body when no header carries one', () => {
    expect(extractWriteKey(undefined, { writeKey: 'wk_body' })).toEqual({ writeKey: 'wk_body', location: 'body' });
    expect(extractWriteKey(basic('wk_header'), { writeKey: 'wk_body' })).toEqual({ writeKey: 'wk_header', location: 'basic' });
    expect(extractWriteKey('Digest abc', { writeKey: 'wk_body' })).toEqual({ writeKey: 'wk_body', location: 'body' });
  });

  it('should find nothing in empty or foreign credentials', () => {
    expect(extractWriteKey(undefined, undefined)).toBeUndefined();
    expect(extractWriteKey('Basic ', {})).toBeUndefined();
    expect(extractWriteKey(`Basic ${Buffer.from(':password').toString('base64')}`, [])).toBeUndefined();
    expect(extractWriteKey('Bearer', { writeKey: 1 })).toBeUndefined();
  });
});

describe('SourceAuthenticator', () => {
  const authenticator = new SourceAuthenticator([
    { name: 'web', writeKeys: ['wk_web_1', 'wk_web_2'] },
    { name: 'webhooks', sharedSecrets: ['hook-secret'] },
  ]);
  const rawBody = Buffer.from('[{"type":"track","event":"a"},{"type":"track","event":"b"}]');
  const body: unknown = JSON.parse(rawBody.toString());

  it('should attribute a write key to its source, wherever it is carried', () => {
    expect(authenticator.authenticate({ rawBody, body, authorization: basic('wk_web_2') })).toEqual({ ok: true, source: 'web', method: 'basic' });
    expect(authenticator.authenticate({ rawBody, body, authorization: 'Bearer wk_web_1' })).toEqual({ ok: true, source: 'web', method: 'bearer' });
    expect(authenticator.authenticate({ rawBody, body: { writeKey: 'wk_web_1' } })).toEqual({ ok: true, source: 'web', method: 'body' });
  });

  it('should attribute a valid signature to its source', () => {
    expect(authenticator.authenticate({ rawBody, body, signature: signBody(rawBody, 'hook-secret') })).toEqual({ ok: true, source: 'webhooks', method: 'signature' });
  });

  it('should refuse a wrong signature even when a valid write key comes with it', () => {
    const result = authenticator.authenticate({ rawBody, body, signature: signBody(rawBody, 'guess'), authorization: basic('wk_web_1') });
    expect(result).toMatchObject({ ok: false, failure: 'invalid_signature' });
  });

  it('should refuse an unknown write key and missing credentials', () => {
    expect(authenticator.authenticate({ rawBody, body, authorization: basic('wk_nope') })).toMatchObject({ ok: false, failure: 'invalid_write_key' });
    expect(authenticator.authenticate({ rawBody, body })).toMatchObject({ ok: false, failure: 'missing_credentials' });
  });

  it("should accept Segment's older first-event signature only when configured to", () => {
    const firstEventSignature = signBody(JSON.stringify({ type: 'track', event: 'a' }), 'hook-secret');
    expect(authenticator.authenticate({ rawBody, body, signature: firstEventSignature })).toMatchObject({ ok: false, failure: 'invalid_signature' });
    const legacy = new SourceAuthenticator([{ name: 'webhooks', sharedSecrets: ['hook-secret'] }], { acceptFirstEventSignature: true });
    expect(legacy.authenticate({ rawBody, body, signature: firstEventSignature })).toEqual({ ok: true, source: 'webhooks', method: 'signature-first-event' });
    expect(legacy.authenticate({ rawBody, body, signature: signBody(rawBody, 'hook-secret') })).toEqual({ ok: true, source: 'webhooks', method: 'signature' });
  });
});

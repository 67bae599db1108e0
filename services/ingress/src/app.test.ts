import { once } from 'node:events';
import { gzipSync } from 'node:zlib';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestHandler } from 'express';
import { KafkaUnavailableError, ProduceRejectedError, type ProducerRecord } from '@abtest/kafka-io';
import { Readiness, createLogger, createMetricsRegistry } from '@abtest/observability';
import { MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_EVENT_BYTES, RECORD_HEADERS, signBody } from '@abtest/segment';
import { createApp, type AppDependencies } from './app';
import type { IngressConfig } from './config';
import { TARGET_TOPIC_HEADER, type EventSink } from './ingest';

const NOW = new Date('2024-05-01T12:00:00.000Z');
const config: AppDependencies['config'] = {
  sources: [
    { name: 'web', writeKeys: ['wk_web'], sharedSecrets: [] },
    { name: 'hooks', writeKeys: [], sharedSecrets: ['hook-secret'] },
    { name: 'limited', writeKeys: ['wk_limited'], sharedSecrets: [], rateLimitPerSecond: 2 },
  ],
  acceptFirstEventSignature: false,
  topics: { events: 'events', deadLetter: 'dead', extra: ['other'], partitions: 1, deadLetterPartitions: 1, config: {} },
  webhook: { maxEvents: 10, maxBodyBytes: 1024 * 1024 },
  retryAfterSeconds: 7,
  corsOrigins: ['https://shop.example.com'],
} satisfies Pick<IngressConfig, 'sources' | 'acceptFirstEventSignature' | 'topics' | 'webhook' | 'retryAfterSeconds' | 'corsOrigins'>;

/** Stands in for Kafka in these HTTP-level tests; the integration tests use a real broker. */
class MemorySink implements EventSink {
  records: ProducerRecord[] = [];
  failure: Error | undefined;
  async send(records: readonly ProducerRecord[]): Promise<void> {
    if (this.failure) throw this.failure;
    this.records.push(...records);
  }
  on(topic: string): ProducerRecord[] {
    return this.records.filter((record) => record.topic === topic);
  }
}

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
const track = (messageId: string, extra: Record<string, unknown> = {}) => ({ type: 'track', event: 'Clicked', anonymousId: `anon-${messageId}`, messageId, ...extra });

describe('Ingress app', () => {
  let server: Server;
  let baseUrl: string;
  let sink: MemorySink;
  let readiness: Readiness;

  beforeEach(async () => {
    sink = new MemorySink();
    readiness = new Readiness().register('kafka', () => true);
    server = createServer(createApp({ config, sink, readiness, registry: createMetricsRegistry({ collectDefaultMetrics: false }), logger: createLogger({ name: 'test', level: 'silent' }), clock: () => NOW })).listen(0, '127.0.0.1');
    await once(server, 'listening');
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    server.close();
    server.closeAllConnections();
  });

  async function post(path: string, body: unknown, headers: Record<string, string> = { authorization: basic('wk_web') }) {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const response = await fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
  }

  describe('health', () => {
    it('should answer /healthz, /readyz and /metrics', async () => {
      expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
      const ready = await fetch(`${baseUrl}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ ready: true, shuttingDown: false, checks: { kafka: { ok: true } } });
      await post('/v1/track', track('m1'));
      const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
      expect(metrics).toContain('ingress_events_total{type="track",outcome="accepted",reason=""} 1');
      expect(metrics).toContain('http_requests_total{method="POST",route="/v1/track",status="200"} 1');
    });

    it('should fail /readyz when a check fails', async () => {
      readiness.register('topics', () => ({ ok: false, detail: 'missing' }));
      const ready = await fetch(`${baseUrl}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ ready: false, checks: { topics: { ok: false, detail: 'missing' } } });
    });
  });

  describe('Tracking API', () => {
    it.each(['track', 'identify', 'page', 'screen', 'group', 'alias'])('should accept POST /v1/%s, taking the type from the path', async (type) => {
      const message = { userId: 'u-1', anonymousId: 'a-1', messageId: `m-${type}`, event: 'E', groupId: 'g', previousId: 'p' };
      const response = await post(`/v1/${type}`, message);
      expect(response).toMatchObject({ status: 200, body: { success: true, accepted: 1, rejected: [] } });
      const [record] = sink.on('events');
      expect(record?.key).toBe('a-1');
      expect(record?.headers).toEqual({ [RECORD_HEADERS.eventType]: type, [RECORD_HEADERS.source]: 'web', [RECORD_HEADERS.receivedAt]: NOW.toISOString() });
      expect(JSON.parse(String(record?.value))).toMatchObject({ ...message, type, receivedAt: NOW.toISOString() });
    });

    it('should accept /v1/batch, merging batch context and integrations into each event', async () => {
      const response = await post('/v1/batch', { batch: [track('m1'), track('m2', { context: { ip: '1.1.1.1' } })], context: { library: { name: 'x' } }, integrations: { All: false } });
      expect(response).toMatchObject({ status: 200, body: { success: true, accepted: 2 } });
      const values = sink.on('events').map((record) => JSON.parse(String(record.value)) as Record<string, unknown>);
      expect(values[0]).toMatchObject({ messageId: 'm1', context: { library: { name: 'x' } }, integrations: { All: false } });
      expect(values[1]).toMatchObject({ messageId: 'm2', context: { library: { name: 'x' }, ip: '1.1.1.1' } });
    });

    it('should accept the write key as Bearer token and in the body, and never write it to Kafka', async () => {
      expect((await post('/v1/track', track('m1'), { authorization: 'Bearer wk_web' })).status).toBe(200);
      expect((await post('/v1/batch', { batch: [track('m2')], writeKey: 'wk_web' }, {})).status).toBe(200);
      expect((await post('/v1/track', { ...track('m3'), writeKey: 'wk_web' }, {})).status).toBe(200);
      expect(sink.records).toHaveLength(3);
      for (const record of sink.records) expect(String(record.value)).not.toContain('wk_web');
    });
  });

  describe('Webhooks destination', () => {
    it('should accept one signed message', async () => {
      const raw = JSON.stringify(track('m1'));
      const response = await post('/v1/webhook', raw, { 'x-signature': signBody(raw, 'hook-secret') });
      expect(response.status).toBe(200);
      expect(sink.on('events')[0]?.headers?.[RECORD_HEADERS.source]).toBe('hooks');
    });

    it('should accept a signed array of messages', async () => {
      const raw = JSON.stringify([track('m1'), track('m2'), track('m3')]);
      const response = await post('/v1/webhook', raw, { 'x-signature': signBody(raw, 'hook-secret') });
      expect(response).toMatchObject({ status: 200, body: { accepted: 3 } });
      expect(sink.on('events').map((record) => record.key)).toEqual(['anon-m1', 'anon-m2', 'anon-m3']);
    });

    it('should write to an allow-listed topic and refuse others', async () => {
      expect((await post('/v1/webhook?topic=other', track('m1'))).status).toBe(200);
      expect(sink.on('other')).toHaveLength(1);
      const refused = await post('/v1/webhook?topic=secret', track('m2'));
      expect(refused).toMatchObject({ status: 400, body: { error: { code: 'unknown_topic' } } });
      expect(sink.on('secret')).toHaveLength(0);
      // The lean path and express (which gets other spellings of the content type) read the query alike.
      for (const contentType of ['application/json', 'Application/JSON']) {
        for (const query of ['topic=other&topic=events', 'topic=', 'topic']) {
          const response = await post(`/v1/webhook?${query}`, track('m3'), { authorization: basic('wk_web'), 'content-type': contentType });
          expect(response).toMatchObject({ status: 400, body: { error: { code: 'unknown_topic' } } });
        }
      }
      expect((await post('/v1/webhook?topic=events&x=1', track('m4'))).status).toBe(200);
      expect((await post('/v1/webhook?x=1&topic=other', track('m5'))).status).toBe(200);
      expect(sink.on('other')).toHaveLength(2);
      expect(sink.on('events')).toHaveLength(1);
    });
  });

  describe('authentication', () => {
    it('should refuse a tampered body, a wrong key and no credentials with 401, writing nothing', async () => {
      const raw = JSON.stringify(track('m1'));
      const signature = signBody(raw, 'hook-secret');
      const tampered = await post('/v1/webhook', raw.replace('Clicked', 'Bought'), { 'x-signature': signature });
      expect(tampered).toMatchObject({ status: 401, body: { success: false, error: { code: 'unauthorized' } } });
      expect((await post('/v1/track', track('m2'), { authorization: basic('wk_wrong') })).status).toBe(401);
      expect((await post('/v1/batch', { batch: [track('m3')] }, {})).status).toBe(401);
      expect(sink.records).toEqual([]);
    });
  });

  describe('bad input', () => {
    it('should answer 400 to invalid JSON, an empty body and a wrong content type', async () => {
      expect(await post('/v1/track', '{"type":', { authorization: basic('wk_web') })).toMatchObject({ status: 400, body: { error: { code: 'invalid_json' } } });
      expect(await post('/v1/track', '', { authorization: basic('wk_web') })).toMatchObject({ status: 400, body: { error: { code: 'invalid_json' } } });
      const form = await post('/v1/track', 'a=b', { authorization: basic('wk_web'), 'content-type': 'application/x-www-form-urlencoded' });
      expect(form).toMatchObject({ status: 400, body: { error: { code: 'bad_content_type' } } });
      expect(sink.records).toEqual([]);
    });

    it('should accept text/plain JSON, as analytics.js sends it', async () => {
      expect((await post('/v1/track', track('m1'), { authorization: basic('wk_web'), 'content-type': 'text/plain' })).status).toBe(200);
    });

    it('should answer 400 naming every problem of an invalid single event, and dead-letter it', async () => {
      const response = await post('/v1/track', { userId: '', timestamp: 'yesterday' });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ success: false, error: { code: 'invalid_event' } });
      const issues = (response.body.error as { issues: { path: string }[] }).issues.map((issue) => issue.path).sort();
      expect(issues).toEqual(['$.event', '$.timestamp', '$.userId']);
      expect(sink.on('events')).toEqual([]);
      expect(sink.on('dead')).toHaveLength(1);
      expect(sink.on('dead')[0]?.headers?.[TARGET_TOPIC_HEADER]).toBe('events');
    });

    it('should accept the valid events of a partial batch with 200 and list each rejected index', async () => {
      const response = await post('/v1/batch', { batch: [track('m1'), { type: 'track', anonymousId: 'a' }, track('m3'), { type: 'nope', userId: 'u' }] });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        success: true,
        accepted: 2,
        rejected: [
          { index: 1, reason: 'invalid', errors: [{ path: '$.batch[1].event', reason: 'is required' }] },
          { index: 3, reason: 'invalid', errors: [{ path: '$.batch[3].type', reason: 'must be one of track, identify, page, screen, group, alias' }] },
        ],
      });
      expect(sink.on('events').map((record) => record.key)).toEqual(['anon-m1', 'anon-m3']);
      expect(sink.on('dead').map((record) => JSON.parse(String(record.value)).index)).toEqual([1, 3]);
    });

    it('should answer 400 when every event of a batch is invalid, still dead-lettering each', async () => {
      const response = await post('/v1/webhook', [{ type: 'track' }, 'x']);
      expect(response).toMatchObject({ status: 400, body: { error: { code: 'invalid_event', rejected: [{ index: 0 }, { index: 1 }] } } });
      expect(sink.on('dead')).toHaveLength(2);
    });

    it('should refuse a malformed /v1/batch envelope with 400', async () => {
      const response = await post('/v1/batch', { events: [] });
      expect(response).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', issues: [{ path: '$.batch', reason: 'is required' }] } } });
    });
  });

  describe('limits', () => {
    const blob = (bytes: number) => ({ blob: 'x'.repeat(bytes) });

    it(`should answer 413 to a single event over ${MAX_EVENT_BYTES} bytes, naming the limit`, async () => {
      const response = await post('/v1/track', track('big', { properties: blob(MAX_EVENT_BYTES) }));
      expect(response).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large', limit: { name: 'MAX_EVENT_BYTES', value: MAX_EVENT_BYTES } } } });
      const webhook = await post('/v1/webhook', track('big', { properties: blob(MAX_EVENT_BYTES) }));
      expect(webhook).toMatchObject({ status: 413, body: { error: { limit: { name: 'MAX_EVENT_BYTES' } } } });
    });

    it(`should answer 413 to a /v1/batch body over ${MAX_BATCH_BYTES} bytes or ${MAX_BATCH_EVENTS} events`, async () => {
      const big = Array.from({ length: 20 }, (_, i) => track(`m${i}`, { properties: blob(30_000) }));
      expect(await post('/v1/batch', { batch: big })).toMatchObject({ status: 413, body: { error: { limit: { name: 'MAX_BATCH_BYTES', value: MAX_BATCH_BYTES } } } });
      const many = Array.from({ length: MAX_BATCH_EVENTS + 1 }, () => ({}));
      expect(await post('/v1/batch', { batch: many })).toMatchObject({ status: 413, body: { error: { limit: { name: 'MAX_BATCH_EVENTS', value: MAX_BATCH_EVENTS } } } });
      expect(sink.records).toEqual([]);
    });

    it('should answer 413 to a webhook batch over the configured event limit', async () => {
      const response = await post('/v1/webhook', Array.from({ length: 11 }, (_, i) => track(`m${i}`)));
      expect(response).toMatchObject({ status: 413, body: { error: { limit: { name: 'INGRESS_WEBHOOK_MAX_EVENTS', value: 10 } } } });
    });

    it('should dead-letter an oversized event inside a batch and accept the rest', async () => {
      const response = await post('/v1/webhook', [track('m1'), track('big', { properties: blob(MAX_EVENT_BYTES) })]);
      expect(response).toMatchObject({ status: 200, body: { accepted: 1, rejected: [{ index: 1, reason: 'too_large' }] } });
      expect(sink.on('dead')).toHaveLength(1);
    });

    it('should count a source rate limit in events and answer 429 with Retry-After past it, until the next second', async () => {
      // The clock is the test's: the window cannot roll over between two requests by chance.
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'], now: Date.parse('2026-01-01T00:00:00Z') });
      try {
        // The limit is 2 events per second: a batch of 2 uses the second up, whatever the request count.
        expect((await post('/v1/batch', { batch: [track('r1'), track('r2')] }, { authorization: basic('wk_limited') })).status).toBe(200);
        const refused = await post('/v1/track', track('r3'), { authorization: basic('wk_limited') });
        expect(refused).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
        expect(refused.headers.get('retry-after')).toBe('1');
        jest.advanceTimersByTime(1_000);
        expect((await post('/v1/track', track('r4'), { authorization: basic('wk_limited') })).status).toBe(200);
        expect(sink.on('events').map((record) => JSON.parse(String(record.value)).messageId)).toEqual(['r1', 'r2', 'r4']);
      } finally {
        jest.useRealTimers();
      }
    });
  });

  describe('CORS', () => {
    const preflight = (origin: string) =>
      fetch(`${baseUrl}/v1/track`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } });

    it('should answer a preflight from a configured origin, and the POST with the CORS header', async () => {
      const answer = await preflight('https://shop.example.com');
      expect(answer.status).toBe(204);
      expect(answer.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
      expect(answer.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
      const posted = await fetch(`${baseUrl}/v1/track`, { method: 'POST', headers: { origin: 'https://shop.example.com', 'content-type': 'text/plain', authorization: basic('wk_web') }, body: JSON.stringify(track('cors1')) });
      expect(posted.status).toBe(200);
      expect(posted.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
    });

    it('should give no CORS header to another origin', async () => {
      expect((await preflight('https://evil.example.com')).headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('Kafka failures', () => {
    it('should answer 503 with Retry-After when Kafka cannot take the write', async () => {
      sink.failure = new KafkaUnavailableError('broker down');
      const response = await post('/v1/track', track('m1'));
      expect(response).toMatchObject({ status: 503, body: { success: false, error: { code: 'kafka_unavailable' } } });
      expect(response.headers.get('retry-after')).toBe('7');
    });

    it('should answer 500 when Kafka refuses the records for good', async () => {
      sink.failure = new ProduceRejectedError('too large');
      expect(await post('/v1/track', track('m1'))).toMatchObject({ status: 500, body: { error: { code: 'kafka_rejected' } } });
    });
  });

  describe('lean event routes and express', () => {
    it('should answer requests the lean path leaves to express the same way', async () => {
      const raw = JSON.stringify(track('m1'));
      const variants: [string, Record<string, string>][] = [
        ['/v1/track', {}],
        ['/v1/track/', {}],
        ['/v1/track?x=1', {}],
        ['/V1/Track', {}],
        ['/v1/track', { 'content-type': 'application/json; charset=latin1' }],
        ['/v1/track', { 'content-type': 'Application/JSON' }],
        ['/v1/track', { 'content-type': 'text/plain;charset=UTF-8' }],
        ['/v1/track', { 'content-encoding': 'identity' }],
      ];
      for (const [path, headers] of variants) {
        expect(await post(path, raw, { authorization: basic('wk_web'), ...headers })).toEqual({
          status: 200,
          headers: expect.anything() as Headers,
          body: { success: true, accepted: 1, rejected: [] },
        });
      }
      expect(sink.on('events')).toHaveLength(variants.length);
      const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
      expect(metrics).toContain(`http_requests_total{method="POST",route="/v1/track",status="200"} ${variants.length}`);
      expect(metrics).toContain(`http_request_duration_seconds_count{method="POST",route="/v1/track",status="200"} ${variants.length}`);
      expect(metrics).toContain(`http_request_size_bytes_count{route="/v1/track"} ${variants.length}`);
      expect(metrics).toContain('http_requests_in_flight 1');
      expect(metrics).toContain(`ingress_authentications_total{source="web",method="basic"} ${variants.length}`);
    });

    it('should read a chunked body (no Content-Length) through express', async () => {
      const raw = JSON.stringify(track('m1'));
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(raw.slice(0, 10)));
          controller.enqueue(new TextEncoder().encode(raw.slice(10)));
          controller.close();
        },
      });
      const response = await fetch(`${baseUrl}/v1/track`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic('wk_web') }, body, duplex: 'half' } as RequestInit);
      expect(response.status).toBe(200);
      expect(sink.on('events')).toHaveLength(1);
    });

    it('should take a gzip body, holding the decompressed size to the limit (a gzip bomb is a 413), and refuse broken gzip', async () => {
      const gzipped = (value: unknown) => gzipSync(Buffer.from(JSON.stringify(value)));
      const send = (body: Buffer) => fetch(`${baseUrl}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: basic('wk_web') }, body });
      expect((await send(gzipped({ batch: [track('gz1'), track('gz2')] }))).status).toBe(200);
      expect(sink.on('events').map((record) => JSON.parse(String(record.value)).messageId)).toEqual(['gz1', 'gz2']);
      // 64 MB of spaces compress to about 64 KB: zlib stops at MAX_BATCH_BYTES.
      const bomb = gzipSync(Buffer.concat([Buffer.from('{"batch":['), Buffer.alloc(64 * 1024 * 1024, ' ')]));
      expect(bomb.length).toBeLessThan(MAX_BATCH_BYTES);
      const exploded = await send(bomb);
      expect([exploded.status, await exploded.json()]).toEqual([413, expect.objectContaining({ error: expect.objectContaining({ code: 'payload_too_large', limit: { name: 'MAX_BATCH_BYTES', value: MAX_BATCH_BYTES } }) })]);
      const broken = await send(Buffer.from('not gzip'));
      expect([broken.status, await broken.json()]).toEqual([400, expect.objectContaining({ error: expect.objectContaining({ code: 'invalid_request' }) })]);
      expect(sink.on('events')).toHaveLength(2);
    });

    it('should refuse another encoding and a wrong content type on either path', async () => {
      expect(await post('/v1/track', '{}', { authorization: basic('wk_web'), 'content-encoding': 'br' })).toMatchObject({ status: 400, body: { error: { code: 'bad_content_type' } } });
      expect(await post('/v1/batch', '{}', { authorization: basic('wk_web'), 'content-type': 'text/html' })).toMatchObject({ status: 400, body: { error: { code: 'bad_content_type' } } });
      expect(await post('/v1/track', '[1]')).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
      expect(sink.records).toEqual([]);
      const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
      expect(metrics).toContain('ingress_request_errors_total{code="bad_content_type"} 2');
      expect(metrics).toContain('ingress_request_errors_total{code="invalid_request"} 1');
      expect(metrics).toContain('http_requests_total{method="POST",route="/v1/track",status="400"} 2');
    });

    it('should track every event request with the drain middleware', async () => {
      server.close();
      server.closeAllConnections();
      let drained = 0;
      const drain: RequestHandler = (_req, res, next) => {
        drained += 1;
        res.setHeader('X-Drained', 'yes');
        next();
      };
      server = createServer(createApp({ config, sink, readiness, registry: createMetricsRegistry({ collectDefaultMetrics: false }), logger: createLogger({ name: 'test', level: 'silent' }), clock: () => NOW, drain })).listen(0, '127.0.0.1');
      await once(server, 'listening');
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const lean = await post('/v1/track', track('m1'));
      const viaExpress = await post('/v1/webhook?topic=events', track('m2'));
      const failed = await post('/v1/batch', '{"batch":');
      expect([lean.status, viaExpress.status, failed.status]).toEqual([200, 200, 400]);
      expect([lean, viaExpress, failed].map((response) => response.headers.get('x-drained'))).toEqual(['yes', 'yes', 'yes']);
      expect(drained).toBe(3);
    });
  });

  it('should answer 404 in JSON to unknown routes', async () => {
    expect(await post('/v2/track', {})).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  });
});

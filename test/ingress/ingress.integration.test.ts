import { Analytics } from '@segment/analytics-node';
import { MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_EVENT_BYTES, RECORD_HEADERS, signBody, type DeadLetter } from '@abtest/segment';
import { SHARED_SECRET, WRITE_KEY, basicAuth, post, readAll, recordCount, trackEvent, useIngressSuite } from './ingress-helpers';

describe('Ingress > real Kafka, real HTTP', () => {
  const suite = useIngressSuite();

  it('should create its topics at start-up with the configured partitions and report ready', async () => {
    const metadata = await suite.admin.fetchTopicMetadata({ topics: [suite.ingress.topics.events, suite.ingress.topics.deadLetter, suite.ingress.topics.extra] });
    const partitions = Object.fromEntries(metadata.topics.map((topic) => [topic.name, topic.partitions.length]));
    expect(partitions).toEqual({ [suite.ingress.topics.events]: 3, [suite.ingress.topics.deadLetter]: 1, [suite.ingress.topics.extra]: 3 });
    expect((await fetch(`${suite.ingress.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${suite.ingress.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, checks: { 'kafka-producer': { ok: true }, topics: { ok: true } } });
  });

  it('should write every endpoint and auth mode to Kafka, keyed by person, with type, source and receivedAt headers', async () => {
    const signedSingle = JSON.stringify(trackEvent('hook-1'));
    const signedBatch = JSON.stringify([trackEvent('hook-2'), trackEvent('hook-3')]);
    const requests: [string, unknown, Record<string, string>][] = [
      ['/v1/track', { event: 'Signed Up', userId: 'u-1', messageId: 'tr-1' }, { authorization: basicAuth(WRITE_KEY) }],
      ['/v1/identify', { userId: 'u-1', anonymousId: 'a-1', traits: { plan: 'pro' }, messageId: 'id-1' }, { authorization: `Bearer ${WRITE_KEY}` }],
      ['/v1/page', { anonymousId: 'a-2', name: 'Home', messageId: 'pg-1', writeKey: WRITE_KEY }, {}],
      ['/v1/screen', { anonymousId: 'a-3', name: 'Settings', messageId: 'sc-1' }, { authorization: basicAuth(WRITE_KEY) }],
      ['/v1/group', { userId: 'u-4', groupId: 'g-1', messageId: 'gr-1' }, { authorization: basicAuth(WRITE_KEY) }],
      ['/v1/alias', { previousId: 'a-5', userId: 'u-5', messageId: 'al-1' }, { authorization: basicAuth(WRITE_KEY) }],
      ['/v1/batch', { batch: [trackEvent('b-1'), trackEvent('b-2')], context: { library: { name: 'curl' } } }, { authorization: basicAuth(WRITE_KEY) }],
      ['/v1/webhook', signedSingle, { 'x-signature': signBody(signedSingle, SHARED_SECRET) }],
      ['/v1/webhook', signedBatch, { 'x-signature': signBody(signedBatch, SHARED_SECRET) }],
    ];
    for (const [path, body, headers] of requests) {
      const reply = await post(`${suite.ingress.url}${path}`, body, headers);
      expect({ path, status: reply.status, body: reply.body }).toEqual({ path, status: 200, body: expect.objectContaining({ success: true, rejected: [] }) });
    }
    const records = await readAll(suite.kafka, suite.admin, suite.ingress.topics.events);
    const byId = new Map(records.map((entry) => [String(entry.value.messageId), entry]));
    expect(Array.from(byId.keys()).sort()).toEqual(['al-1', 'b-1', 'b-2', 'gr-1', 'hook-1', 'hook-2', 'hook-3', 'id-1', 'pg-1', 'sc-1', 'tr-1']);
    expect(byId.get('tr-1')?.key).toBe('u-1');
    expect(byId.get('id-1')?.key).toBe('a-1');
    expect(byId.get('id-1')?.headers).toMatchObject({ [RECORD_HEADERS.eventType]: 'identify', [RECORD_HEADERS.source]: 'web' });
    expect(byId.get('hook-2')?.headers[RECORD_HEADERS.source]).toBe('webhooks');
    expect(byId.get('b-2')?.value).toMatchObject({ context: { library: { name: 'curl' } } });
    expect(byId.get('pg-1')?.value).not.toHaveProperty('writeKey');
    for (const { value, headers } of records) expect(headers[RECORD_HEADERS.receivedAt]).toBe(value.receivedAt);
  });

  it('should take events from the real @segment/analytics-node client unchanged, adding receivedAt', async () => {
    const analytics = new Analytics({ writeKey: WRITE_KEY, host: suite.ingress.url, flushAt: 3, flushInterval: 100, maxRetries: 0 });
    const failures: unknown[] = [];
    analytics.on('error', (error) => failures.push(error));
    const sentAt = Date.now();
    analytics.track({ anonymousId: 'browser-1', event: 'Experiment Viewed', properties: { experiment_id: 'exp-42', variation_id: 'treatment' } });
    analytics.identify({ userId: 'user-9', anonymousId: 'browser-1', traits: { plan: 'team' } });
    analytics.page({ anonymousId: 'browser-1', name: 'Pricing', properties: { path: '/pricing' } });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(failures).toEqual([]);

    const fromClient = (await readAll(suite.kafka, suite.admin, suite.ingress.topics.events)).filter((entry) => entry.value.anonymousId === 'browser-1');
    expect(fromClient.map((entry) => entry.value.type).sort()).toEqual(['identify', 'page', 'track']);
    const viewed = fromClient.find((entry) => entry.value.type === 'track');
    expect(viewed?.value).toMatchObject({
      event: 'Experiment Viewed',
      anonymousId: 'browser-1',
      properties: { experiment_id: 'exp-42', variation_id: 'treatment' },
      context: { library: { name: '@segment/analytics-node' } },
    });
    expect(String(viewed?.value.messageId)).not.toMatch(/^derived-/);
    const receivedAt = Date.parse(String(viewed?.value.receivedAt));
    expect(receivedAt).toBeGreaterThanOrEqual(sentAt - 1_000);
    expect(receivedAt).toBeLessThanOrEqual(Date.now());
    expect(viewed?.key).toBe('browser-1');
    expect(fromClient.every((entry) => entry.partition === viewed?.partition)).toBe(true);
  });

  it('should refuse a tampered signature and a wrong write key with 401, writing nothing', async () => {
    const before = { events: await recordCount(suite.admin, suite.ingress.topics.events), dead: await recordCount(suite.admin, suite.ingress.topics.deadLetter) };
    const raw = JSON.stringify([trackEvent('tamper-1')]);
    const signature = signBody(raw, SHARED_SECRET);
    const replies = [
      await post(`${suite.ingress.url}/v1/webhook`, raw.replace('exp-1', 'exp-2'), { 'x-signature': signature }),
      await post(`${suite.ingress.url}/v1/webhook`, raw, { 'x-signature': signBody(raw, 'guessed-secret') }),
      await post(`${suite.ingress.url}/v1/batch`, { batch: [trackEvent('wrong-1')] }, { authorization: basicAuth('wk_wrong') }),
      await post(`${suite.ingress.url}/v1/track`, trackEvent('none-1'), {}),
    ];
    for (const reply of replies) expect(reply).toMatchObject({ status: 401, body: { success: false, error: { code: 'unauthorized' } } });
    // Writes are acknowledged before the answer: had anything been written, it would be counted now.
    expect({ events: await recordCount(suite.admin, suite.ingress.topics.events), dead: await recordCount(suite.admin, suite.ingress.topics.deadLetter) }).toEqual(before);
  });

  it('should answer 413 naming each size limit, writing nothing', async () => {
    const before = await recordCount(suite.admin, suite.ingress.topics.events);
    const blob = (bytes: number) => ({ blob: 'x'.repeat(bytes) });
    const oversizedEvent = await post(`${suite.ingress.url}/v1/track`, trackEvent('big-1', { properties: blob(MAX_EVENT_BYTES) }));
    const oversizedBatch = await post(`${suite.ingress.url}/v1/batch`, { batch: Array.from({ length: 17 }, (_, i) => trackEvent(`bb-${i}`, { properties: blob(31_000) })) });
    const tooManyEvents = await post(`${suite.ingress.url}/v1/batch`, { batch: Array.from({ length: MAX_BATCH_EVENTS + 1 }, (_, i) => trackEvent(`many-${i}`)) });
    const tooManyWebhook = await post(`${suite.ingress.url}/v1/webhook`, Array.from({ length: suite.ingress.config.webhook.maxEvents + 1 }, (_, i) => ({ i })));
    expect(oversizedEvent).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large', limit: { name: 'MAX_EVENT_BYTES', value: MAX_EVENT_BYTES } } } });
    expect(oversizedBatch).toMatchObject({ status: 413, body: { error: { limit: { name: 'MAX_BATCH_BYTES', value: MAX_BATCH_BYTES } } } });
    expect(tooManyEvents).toMatchObject({ status: 413, body: { error: { limit: { name: 'MAX_BATCH_EVENTS', value: MAX_BATCH_EVENTS } } } });
    expect(tooManyWebhook).toMatchObject({ status: 413, body: { error: { limit: { name: 'INGRESS_WEBHOOK_MAX_EVENTS' } } } });
    expect(await recordCount(suite.admin, suite.ingress.topics.events)).toBe(before);
  });

  it('should accept the valid events of a partial batch and dead-letter each invalid one with its reasons', async () => {
    const batch = [trackEvent('part-ok-1'), { type: 'track', anonymousId: 'anon-bad', messageId: 'part-bad-1' }, trackEvent('part-ok-2'), { type: 'checkout', userId: 'u' }];
    const reply = await post(`${suite.ingress.url}/v1/batch`, { batch });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      success: true,
      accepted: 2,
      rejected: [
        { index: 1, reason: 'invalid', errors: [{ path: '$.batch[1].event', reason: 'is required' }] },
        { index: 3, reason: 'invalid', errors: [{ path: '$.batch[3].type', reason: 'must be one of track, identify, page, screen, group, alias' }] },
      ],
    });
    const all = await readAll(suite.kafka, suite.admin, suite.ingress.topics.events);
    expect(all.filter((entry) => String(entry.value.messageId).startsWith('part-')).map((entry) => entry.value.messageId).sort()).toEqual(['part-ok-1', 'part-ok-2']);

    const deadLetters = (await readAll(suite.kafka, suite.admin, suite.ingress.topics.deadLetter)).map((entry) => ({ value: entry.value as unknown as DeadLetter, headers: entry.headers }));
    const byIndex = new Map(deadLetters.map((entry) => [entry.value.index, entry]));
    expect(byIndex.get(1)?.value).toMatchObject({ reason: 'invalid', source: 'web', event: batch[1], issues: [{ path: '$.batch[1].event', reason: 'is required' }] });
    expect(byIndex.get(3)?.value).toMatchObject({ reason: 'invalid', event: batch[3] });
    expect(byIndex.get(1)?.headers).toMatchObject({ [RECORD_HEADERS.deadLetterReason]: 'invalid', 'target-topic': suite.ingress.topics.events });
  });

  it('should write to an allow-listed topic with ?topic= and refuse any other', async () => {
    expect((await post(`${suite.ingress.url}/v1/webhook?topic=${suite.ingress.topics.extra}`, trackEvent('extra-1'))).status).toBe(200);
    const [record] = await readAll(suite.kafka, suite.admin, suite.ingress.topics.extra);
    expect(record?.value.messageId).toBe('extra-1');
    expect(await post(`${suite.ingress.url}/v1/webhook?topic=${suite.ingress.topics.deadLetter}`, trackEvent('x'))).toMatchObject({ status: 400, body: { error: { code: 'unknown_topic' } } });
  });

  it('should expose request, event and producer metrics', async () => {
    const metrics = await (await fetch(`${suite.ingress.url}/metrics`)).text();
    expect(metrics).toMatch(/ingress_events_total\{type="track",outcome="accepted",reason="",service="ingress"\} \d+/);
    expect(metrics).toMatch(/ingress_events_total\{type="unknown",outcome="rejected",reason="invalid",service="ingress"\} 1/);
    expect(metrics).toMatch(/http_requests_total\{method="POST",route="\/v1\/batch",status="413",service="ingress"\} 2/);
    expect(metrics).toMatch(/ingress_request_errors_total\{code="unauthorized",service="ingress"\} 4/);
    expect(metrics).toMatch(/kafka_producer_ack_wait_seconds_count\{[^}]*outcome="acked"[^}]*\} \d+/);
    expect(metrics).toContain('http_requests_in_flight');
    expect(metrics).toContain('nodejs_heap_size_used_bytes');
  });
});

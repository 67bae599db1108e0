import { MAX_JSON_DEPTH, deadLetterKey, signBody, type DeadLetter } from '@abtest/segment';
import { SHARED_SECRET, WRITE_KEY, basicAuth, post, readAll, trackEvent, useIngressSuite } from './ingress-helpers';

/** Long enough to jam the producer for minutes before the fix (kafkajs' murmur2 was quadratic in the key's length). */
const HUGE_ID = 'h'.repeat(2 * 1024 * 1024);
/** The deep bodies of the outside check: 5,000 objects (30 KB) and 6,000 arrays (12 KB). */
const deepObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const deepArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
/** A JSON event whose `properties` is the given JSON text (JSON.stringify cannot build these). */
const eventWithProperties = (messageId: string, properties: string) => JSON.stringify(trackEvent(messageId, { properties: 0 })).replace('"properties":0', `"properties":${properties}`);

describe('Ingress > hostile input', () => {
  const suite = useIngressSuite();

  const deadLetters = async () => (await readAll(suite.kafka, suite.admin, suite.ingress.topics.deadLetter)).map((entry) => ({ key: entry.key, value: entry.value as unknown as DeadLetter }));

  it('should dead-letter an over-size event with a 2 MB id under a short hashed key and keep taking events', async () => {
    const body = JSON.stringify([trackEvent('huge-id', { anonymousId: HUGE_ID }), trackEvent('beside-huge')]);
    const reply = await post(`${suite.ingress.url}/v1/webhook`, body, { 'x-signature': signBody(body, SHARED_SECRET) });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ accepted: 1, rejected: [{ index: 0, reason: 'too_large' }] });
    // Before the fix this request waited behind the key's hashing for minutes.
    expect((await post(`${suite.ingress.url}/v1/track`, trackEvent('after-huge'))).status).toBe(200);
    expect((await fetch(`${suite.ingress.url}/readyz`)).status).toBe(200);
    const letter = (await deadLetters()).find((entry) => entry.value.reason === 'too_large');
    expect(letter?.key).toBe(deadLetterKey(HUGE_ID));
  }, 30_000);

  it('should refuse an id over MAX_ID_LENGTH with 400 naming the field', async () => {
    const reply = await post(`${suite.ingress.url}/v1/track`, trackEvent('long-id', { anonymousId: 'l'.repeat(2_000) }));
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ error: { code: 'invalid_event', issues: [{ path: '$.anonymousId', reason: 'must be at most 1024 characters (MAX_ID_LENGTH)' }] } });
  });

  it('should refuse an event nested 5,000 objects deep with 400 naming the path, and dead-letter its text', async () => {
    const reply = await post(`${suite.ingress.url}/v1/track`, eventWithProperties('deep-objects', deepObjects(5_000)));
    expect(reply.status).toBe(400);
    const path = `$.properties${'.a'.repeat(MAX_JSON_DEPTH - 1)}`;
    expect(reply.body).toMatchObject({ error: { code: 'invalid_event', issues: [{ path, reason: expect.stringContaining('MAX_JSON_DEPTH') as unknown }] } });
    const letter = (await deadLetters()).find((entry) => entry.value.issues[0]?.path === path);
    expect(letter?.value.event).toBeUndefined();
    expect(letter?.value.eventPrefix).toBe(eventWithProperties('deep-objects', deepObjects(5_000)));
  });

  it('should take the rest of a batch beside an event nested 6,000 arrays deep', async () => {
    const body = `[${eventWithProperties('deep-arrays', `{"list":${deepArrays(6_000)}}`)},${JSON.stringify(trackEvent('beside-deep'))}]`;
    const reply = await post(`${suite.ingress.url}/v1/webhook`, body, { 'x-signature': signBody(body, SHARED_SECRET) });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ accepted: 1, rejected: [{ index: 0, reason: 'invalid', errors: [{ path: `$[0].properties.list${'[0]'.repeat(MAX_JSON_DEPTH - 2)}` }] }] });
  });

  it("should refuse a batch whose shared context nests too deep with 400, writing nothing", async () => {
    const body = `{"batch":[${JSON.stringify(trackEvent('deep-context'))}],"context":${deepObjects(1_000)}}`;
    const reply = await post(`${suite.ingress.url}/v1/batch`, body, { authorization: basicAuth(WRITE_KEY) });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ error: { code: 'invalid_request', issues: [{ path: `$.context${'.a'.repeat(MAX_JSON_DEPTH - 1)}` }] } });
  });

  it('should refuse a body that is not UTF-8 with 400 instead of storing replacement characters', async () => {
    const json = Buffer.from(JSON.stringify(trackEvent('latin-1', { anonymousId: 'caf_' })));
    json[json.indexOf('caf_') + 3] = 0xe9; // "café" in Latin-1
    const response = await fetch(`${suite.ingress.url}/v1/track`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basicAuth(WRITE_KEY) }, body: json });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_json', message: expect.stringContaining('not valid UTF-8') as unknown } });
  });
});

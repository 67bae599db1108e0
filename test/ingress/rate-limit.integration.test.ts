import { randomUUID } from 'node:crypto';
import { waitFor } from '@abtest/local-stack';
import { testStackEnv } from '@abtest/test-harness';
import { basicAuth, post, startTestIngress, trackEvent, type TestIngress } from './ingress-helpers';

const EVENTS_PER_SECOND = 10;

describe('Ingress > rate limits shared through Redis', () => {
  const source = `limited-${randomUUID().slice(0, 8)}`;
  const writeKey = `wk-${source}`;
  let first: TestIngress;
  let second: TestIngress;

  beforeAll(async () => {
    const env = { REDIS_URL: testStackEnv().redisUrl, INGRESS_SOURCES: JSON.stringify([{ name: source, writeKeys: [writeKey], rateLimitPerSecond: EVENTS_PER_SECOND }]) };
    [first, second] = await Promise.all([startTestIngress(testStackEnv().kafkaBrokers, env), startTestIngress(testStackEnv().kafkaBrokers, env)]);
  });

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
  });

  it("should refuse on one instance the events a source already sent through another within the same second", async () => {
    const auth = { authorization: basicAuth(writeKey) };
    const batch = (prefix: string) => ({ batch: Array.from({ length: EVENTS_PER_SECOND }, (_, i) => trackEvent(`${prefix}-${i}`)) });
    let attempt = 0;
    // A one-second window may end between the two requests: then the pair is tried again in a fresh one.
    await waitFor(
      async () => {
        attempt += 1;
        const filled = await post(`${first.url}/v1/batch`, batch(`fill-${attempt}`), auth);
        if (filled.status !== 200) return false;
        const next = await post(`${second.url}/v1/track`, trackEvent(`next-${attempt}`), auth);
        if (next.status !== 429) return false;
        expect(next.body).toMatchObject({ error: { code: 'rate_limited' } });
        expect(Number(next.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        return true;
      },
      { description: 'a batch that uses the limit up on one instance, then a 429 on the other', timeoutMs: 15_000 },
    );
    expect(attempt).toBeLessThanOrEqual(5);
  });
});

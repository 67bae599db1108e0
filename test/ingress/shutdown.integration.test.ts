import type { Admin, Kafka } from 'kafkajs';
import { waitFor } from '@abtest/local-stack';
import { testKafka, testStackEnv, uniqueName } from '@abtest/test-harness';
import { WRITE_KEY, basicAuth, readAll, trackEvent } from './ingress-helpers';
import { buildIngress, startIngressProcess, type IngressProcess } from './ingress-process';

const WORKERS = 16;
const EVENTS_PER_REQUEST = 10;
/** SIGTERM comes once this many events were acknowledged: the load is well under way. */
const ACKED_BEFORE_SIGTERM = 3_000;
/** Bounds of each request loop, whatever happens. */
const MAX_REQUESTS_PER_WORKER = 2_000;
const LOAD_DEADLINE_MS = 60_000;

describe('Ingress > SIGTERM under load', () => {
  let kafka: Kafka;
  let admin: Admin;
  let ingress: IngressProcess | undefined;

  beforeAll(async () => {
    buildIngress();
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await ingress?.cleanUp();
    await admin.disconnect();
  });

  it('should fail readiness first, finish requests in flight, flush and exit 0: every acknowledged messageId is in the topic', async () => {
    const topic = uniqueName('ingress-shutdown');
    ingress = await startIngressProcess({
      KAFKA_BROKERS: testStackEnv().kafkaBrokers.join(','),
      INGRESS_MODE: 'production',
      INGRESS_SOURCES: JSON.stringify([{ name: 'load', writeKeys: [WRITE_KEY] }]),
      INGRESS_TOPIC: topic,
      INGRESS_DEAD_LETTER_TOPIC: `${topic}-dead`,
      INGRESS_TOPIC_PARTITIONS: '3',
      INGRESS_SHUTDOWN_DELAY_MS: '500',
    });
    const { url } = ingress;
    const acknowledged = new Set<string>();
    const statuses = new Map<number, number>();
    const deadline = Date.now() + LOAD_DEADLINE_MS;

    const worker = async (id: number) => {
      for (let request = 0; request < MAX_REQUESTS_PER_WORKER && Date.now() < deadline; request += 1) {
        const ids = Array.from({ length: EVENTS_PER_REQUEST }, (_, i) => `w${id}-r${request}-e${i}`);
        let status: number;
        try {
          const response = await fetch(`${url}/v1/batch`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: basicAuth(WRITE_KEY) },
            body: JSON.stringify({ batch: ids.map((messageId) => trackEvent(messageId)) }),
          });
          status = response.status;
          await response.arrayBuffer();
        } catch {
          return; // The server stopped accepting connections: this loop is done.
        }
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 200) for (const messageId of ids) acknowledged.add(messageId);
      }
    };
    const load = Promise.all(Array.from({ length: WORKERS }, (_, id) => worker(id)));

    await waitFor(() => acknowledged.size >= ACKED_BEFORE_SIGTERM, { description: `${ACKED_BEFORE_SIGTERM} acknowledged events`, timeoutMs: 30_000, intervalMs: 20 });
    ingress.process.signal('SIGTERM');
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 503, { description: 'readiness to fail after SIGTERM', timeoutMs: 2_000, intervalMs: 20 });
    const exitCode = await ingress.process.exited;
    await load;

    expect(exitCode).toBe(0);
    expect(ingress.log()).toContain('shutdown complete');
    expect(statuses.get(200)).toBeGreaterThan(ACKED_BEFORE_SIGTERM / EVENTS_PER_REQUEST);
    const written = new Set((await readAll(kafka, admin, topic)).map((record) => String(record.value.messageId)));
    const missing = Array.from(acknowledged).filter((messageId) => !written.has(messageId));
    expect(missing).toEqual([]);
  });
});

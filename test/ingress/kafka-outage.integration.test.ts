import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { startKafka, waitFor, type KafkaHandle } from '@abtest/local-stack';
import { post, readAll, startTestIngress, trackEvent, type TestIngress } from './ingress-helpers';

/** How long the ingress waits for Kafka's acknowledgement before answering 503. */
const PRODUCE_TIMEOUT_MS = 1_500;

describe('Ingress > Kafka outage', () => {
  let workDir: string;
  let broker: KafkaHandle;
  let kafka: Kafka;
  let admin: Admin;
  let ingress: TestIngress;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'ingress-outage-'));
    // A broker of this test's own: pausing the shared one would disturb every other test.
    broker = await startKafka({ workDir, log: () => undefined });
    kafka = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    ingress = await startTestIngress(broker.brokers, { INGRESS_PRODUCE_TIMEOUT_MS: String(PRODUCE_TIMEOUT_MS), INGRESS_RETRY_AFTER_SECONDS: '3' });
  });

  afterAll(async () => {
    broker?.process.signal('SIGCONT');
    await ingress?.stop();
    await admin?.disconnect();
    await broker?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('should answer 503 with Retry-After while the broker is frozen, then accept again without a restart', async () => {
    const acknowledged: string[] = [];
    const send = async (messageId: string) => {
      const reply = await post(`${ingress.url}/v1/track`, trackEvent(messageId));
      if (reply.status === 200) acknowledged.push(messageId);
      return reply;
    };
    expect((await send('before-1')).status).toBe(200);

    // SIGSTOP freezes the JVM with its connections open: requests hang, as with a broker stuck in GC or a network partition.
    broker.process.signal('SIGSTOP');
    const startedAt = Date.now();
    const during = await send('during-1');
    expect(during).toMatchObject({ status: 503, body: { success: false, error: { code: 'kafka_unavailable' } } });
    expect(during.headers.get('retry-after')).toBe('3');
    expect(Date.now() - startedAt).toBeLessThan(PRODUCE_TIMEOUT_MS + 2_000);
    // Not ready while a write waits on Kafka past the produce timeout, though its caller was answered.
    await waitFor(
      async () => {
        const readiness = await fetch(`${ingress.url}/readyz`);
        const report = (await readiness.json()) as { checks: Record<string, { ok: boolean }> };
        return readiness.status === 503 && report.checks['kafka-writes']?.ok === false;
      },
      { description: '/readyz to fail its kafka-writes check', timeoutMs: 10_000, intervalMs: 100 },
    );

    broker.process.signal('SIGCONT');
    let attempt = 0;
    await waitFor(async () => (await send(`after-${(attempt += 1)}`)).status === 200, { description: 'the ingress to accept events again', timeoutMs: 30_000, intervalMs: 250 });
    // The producer thread reports its pending age every 250 ms: readiness follows within one report.
    await waitFor(async () => (await fetch(`${ingress.url}/readyz`)).status === 200, { description: '/readyz to answer 200 again', timeoutMs: 5_000, intervalMs: 50 });

    const written = new Set((await readAll(kafka, admin, ingress.topics.events)).map((record) => String(record.value.messageId)));
    for (const messageId of acknowledged) expect(written).toContain(messageId);
    const metrics = await (await fetch(`${ingress.url}/metrics`)).text();
    expect(metrics).toMatch(/ingress_request_errors_total\{code="kafka_unavailable",service="ingress"\} [1-9]/);
    expect(metrics).toMatch(/kafka_producer_records_total\{[^}]*outcome="timed_out"[^}]*\} [1-9]/);
  });
});

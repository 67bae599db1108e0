import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import Redis from 'ioredis';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { DefinitionsWriter, parseMetricDefinition } from '@abtest/definitions';
import { resultsTopics, type BreakdownResults, type ExperimentResults } from '@abtest/results-contract';
import { waitFor } from '@abtest/local-stack';
import { personKey } from '@abtest/segment';
import { createTopics, testKafka, testStackEnv, uniqueName, waitForEqual } from '@abtest/test-harness';
import { breakdownRows, byKey, expectedBreakdownRows, expectedVariantRows, variantRows } from './conversion-rows';
import { expectedConversionsFromPostgres } from './expected-conversions';
import { CONVERSION_DIMENSIONS, generateConversionEvents, type SegmentEvent } from './generate-conversion-events';
import { waitUntilReady } from './processor-helpers';
import { startProcessorProcess, type ProcessorProcess } from './processor-process';
import { followLatest, followResults } from './results-reader';

const PARTITIONS = 4;
const HOUR = 3_600_000;
const ADMIN_TOKEN = 'conversion-test-admin-token';
const WAIT_MS = 120_000;

describe('Processor > conversion metrics after exposure (real Kafka, Redis, schema registry)', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  const running: ProcessorProcess[] = [];

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    producer = kafka.producer({ idempotent: true });
    await Promise.all([admin.connect(), producer.connect()]);
  });

  afterAll(async () => {
    await Promise.all(running.splice(0).map((p) => p.process.stop()));
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  });

  it('counts exactly what the SQL reference computes, through SIGKILLs and a Redis loss, and starts counting a metric defined mid-stream', async () => {
    const runId = uniqueName('conv');
    // Event times cross midnight (UTC): the CUPED metrics have pre-exposure days.
    const stream = generateConversionEvents({ seed: 1, persons: 300, runId, start: '2026-10-31T21:00:00.000Z' });
    const names = { applicationId: `${runId}-app`, eventsTopic: `${runId}-events`, resultsTopic: `${runId}-results`, definitionsTopic: `${runId}-definitions` };
    await createTopics(admin, [{ topic: names.eventsTopic, numPartitions: PARTITIONS }]);
    const writer = new DefinitionsWriter(kafka, names.definitionsTopic);
    await writer.ensureTopic();
    for (const metric of stream.metrics) await writer.putMetric(metric);
    for (const experiment of stream.experiments) await writer.putExperiment(experiment);
    const env = {
      PROCESSOR_APPLICATION_ID: names.applicationId,
      EVENTS_TOPIC: names.eventsTopic,
      RESULTS_TOPIC: names.resultsTopic,
      DEFINITIONS_TOPIC: names.definitionsTopic,
      REDIS_KEY_PREFIX: `${runId}:`,
      BREAKDOWN_DIMENSIONS: CONVERSION_DIMENSIONS.join(','),
      ADMIN_TOKEN,
      COMMIT_INTERVAL_MS: '100',
      SESSION_TIMEOUT_MS: '6000',
    };
    const start = async (): Promise<ProcessorProcess> => {
      const instance = await startProcessorProcess(env);
      running.push(instance);
      return instance;
    };
    const produce = async (events: SegmentEvent[]) => {
      for (let i = 0; i < events.length; i += 500) {
        await producer.send({ topic: names.eventsTopic, acks: -1, messages: events.slice(i, i + 500).map((e) => ({ key: personKey(e) ?? null, value: JSON.stringify(e) })) });
      }
    };
    const registry = new SchemaRegistry({ host: testStackEnv().schemaRegistryUrl });
    const decode = (value: Buffer) => registry.decode(value);
    let instance = await start();
    // The processor creates its output topics at start-up.
    await waitUntilReady(instance);
    const results = await followResults(kafka, names.resultsTopic, decode);
    const breakdowns = await followLatest<BreakdownResults>(kafka, resultsTopics(names.resultsTopic).breakdowns, (b) => `${b.experiment_id}|${b.dimension}|${b.value}`, decode);

    // A marker exposure on every partition, after a phase: once all are published, every earlier event has passed ingest.
    let markers = 0;
    const drained = async () => {
      const experiment = `${runId}-marker-${markers++}`;
      const events = Array.from({ length: PARTITIONS }, (_, partition) => ({ type: 'track', event: 'Experiment Viewed', messageId: `${experiment}-${partition}`, anonymousId: `${experiment}-${partition}`, timestamp: new Date().toISOString(), properties: { experiment_id: experiment, variation_id: 'marker' } }));
      await producer.send({ topic: names.eventsTopic, acks: -1, messages: events.map((e, partition) => ({ key: e.anonymousId, partition, value: JSON.stringify(e) })) });
      await waitFor(() => results.latest.get(experiment)?.variants[0]?.unique_views === PARTITIONS, { description: `marker ${experiment} published`, timeoutMs: 120_000, intervalMs: 100 });
    };

    try {
      // Phases of one simulated hour of arrivals: links of one userId an hour apart are produced in order.
      const phases = new Map<number, SegmentEvent[]>();
      stream.events.forEach((event, i) => {
        const phase = Math.floor(((stream.arrivedAt[i] as number) - (stream.arrivedAt[0] as number)) / HOUR);
        phases.set(phase, [...(phases.get(phase) ?? []), event]);
      });
      let phaseIndex = 0;
      for (const events of [...phases.entries()].sort(([a], [b]) => a - b).map(([, e]) => e)) {
        await produce(events);
        if (phaseIndex++ % 2 === 1) {
          // Killed while the phase is being processed; its successor must give the same figures.
          await waitFor(() => instance.process.isRunning, { description: 'processor running', timeoutMs: 5_000 });
          instance.process.signal('SIGKILL');
          await instance.process.exited;
          running.splice(running.indexOf(instance), 1);
          instance = await start();
        }
        await drained();
      }

      const expected = await expectedConversionsFromPostgres(stream.events, stream.metrics, { dimensions: CONVERSION_DIMENSIONS, experiments: stream.experiments.map((e) => ({ id: e.id, metrics: e.metrics })) });
      // Not vacuous: every CUPED metric has persons with pre-exposure activity.
      const withCovariates = new Set(expected.variants.flatMap((v) => v.metrics.filter((m) => (m.cuped?.sum_x ?? 0) > 0).map((m) => m.metric_id)));
      expect(withCovariates).toEqual(new Set(stream.metrics.filter((m) => m.cuped !== null).map((m) => m.id)));
      const metricIds = new Set(stream.metrics.map((m) => m.id));
      const experimentIds = new Set(stream.experiments.map((e) => e.id));
      const ours = (latest: Map<string, ExperimentResults>) => new Map([...latest].filter(([id]) => experimentIds.has(id)));
      await waitForEqual('variant figures equal to the SQL reference', () => variantRows(ours(results.latest), metricIds), expectedVariantRows(expected), WAIT_MS);
      for (const [experimentId, switchers] of expected.variantSwitchers) expect(results.latest.get(experimentId)?.data_quality.variant_switchers).toBe(switchers);
      await waitForEqual('breakdowns equal to the SQL reference', () => breakdownRows(breakdowns.latest, experimentIds), expectedBreakdownRows(expected), WAIT_MS);
      for (const record of ours(results.latest).values()) {
        for (const variant of record.variants) {
          for (const metric of variant.metrics) {
            expect(metric.conversion_rate).toBeCloseTo(variant.persons > 0 ? metric.persons_converted / variant.persons : Number.NaN);
            if (variant.persons > 0) expect(metric.mean).toBeCloseTo(metric.sum / variant.persons);
          }
        }
      }

      // Redis loses the processor's state while it is stopped: it restores every store from the changelogs.
      await instance.process.stop();
      running.splice(running.indexOf(instance), 1);
      const redis = new Redis(testStackEnv().redisUrl);
      try {
        const keys = await redis.keys(`${runId}:*`);
        expect(keys.length).toBeGreaterThan(0);
        await redis.del(...keys);
      } finally {
        redis.disconnect();
      }
      instance = await start();
      await waitUntilReady(instance);
      // Resent events are still dropped (dedup restored); repeat views of assigned persons add views, not persons (persons restored).
      const views = (latest: Map<string, ExperimentResults>) => byKey([...ours(latest).values()].flatMap((r) => r.variants.map((v) => ({ id: `${r.experiment_id}/${v.variant_id}`, unique: v.unique_views, total: v.total_views }))), (v) => v.id);
      const before = { figures: variantRows(ours(results.latest), metricIds), views: views(results.latest) };
      const repeats = stream.events.filter((e) => e.event === 'Experiment Viewed' && typeof e.anonymousId === 'string').slice(0, 30).map((e, i): SegmentEvent => ({ ...e, messageId: `${runId}-repeat-${i}` }));
      const repeatsPerVariant = new Map<string, number>();
      for (const e of repeats) {
        const properties = e.properties as Record<string, string>;
        const id = `${properties.experiment_id ?? properties.experimentName}/${properties.variation_id ?? properties.variationName}`;
        repeatsPerVariant.set(id, (repeatsPerVariant.get(id) ?? 0) + 1);
      }
      await produce([...stream.events.slice(0, 200), ...repeats]);
      await drained();
      await waitForEqual('views after a restore: resent events dropped, repeat views counted, no new persons', () => views(results.latest), before.views.map((v) => ({ ...v, total: v.total + (repeatsPerVariant.get(v.id) ?? 0) })), WAIT_MS);
      expect(variantRows(ours(results.latest), metricIds)).toEqual(before.figures);

      // A metric defined mid-stream through the admin API: counted from then on, no restart.
      const invite = parseMetricDefinition({ id: `${runId}-invite`, type: 'conversion', event: 'Invited Friend', scope: 'global' });
      const exposed = stream.events.filter((e) => e.event === 'Experiment Viewed' && typeof e.anonymousId === 'string').slice(0, 40);
      const invites = (suffix: string) => exposed.map((e, i) => ({ type: 'track', event: 'Invited Friend', messageId: `${runId}-invite-${suffix}-${i}`, anonymousId: e.anonymousId, timestamp: new Date(Date.parse(e.timestamp as string) + (i % 4 === 0 ? -60_000 : 60_000)).toISOString() }));
      await produce(invites('before'));
      await drained();
      const admin = (method: string, path: string, body?: unknown) =>
        fetch(`http://127.0.0.1:${instance.port}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      expect((await fetch(`http://127.0.0.1:${instance.port}/admin/definitions`)).status).toBe(401);
      expect((await admin('PUT', `/admin/metrics/${invite.id}`, { ...invite, cap: 3 })).status).toBe(400);
      expect((await admin('PUT', `/admin/metrics/${invite.id}`, invite)).status).toBe(200);
      await waitFor(async () => ((await (await admin('GET', '/admin/definitions')).json()) as { metrics: Array<{ id: string }> }).metrics.some((m) => m.id === invite.id), { description: 'the processor follows the new metric', timeoutMs: 30_000, intervalMs: 100 });
      const after = invites('after');
      await produce(after);
      const withInvites = await expectedConversionsFromPostgres([...stream.events, ...after], [invite], { dimensions: CONVERSION_DIMENSIONS, experiments: stream.experiments.map((e) => ({ id: e.id, metrics: [] })) });
      expect(withInvites.variants.some((v) => v.metrics.some((m) => m.persons_converted > 0))).toBe(true);
      await waitForEqual('the mid-stream metric counts the events after its definition', () => variantRows(ours(results.latest), new Set([invite.id])), expectedVariantRows(withInvites), WAIT_MS);

      // GET /experiments/:id answers with breakdowns and series from the state stores.
      const [someExperiment] = stream.experiments;
      const body = (await (await fetch(`http://127.0.0.1:${instance.port}/experiments/${encodeURIComponent(someExperiment?.id ?? '')}`)).json()) as { variants: unknown[]; breakdowns: BreakdownResults[]; series: Array<{ granularity: string }> };
      expect(body.variants.length).toBeGreaterThan(1);
      expect(new Set(body.breakdowns.map((b) => b.dimension))).toEqual(new Set(CONVERSION_DIMENSIONS));
      expect(body.series.filter((s) => s.granularity === 'hour').length).toBeGreaterThan(2);
    } finally {
      await results.stop();
      await breakdowns.stop();
      await writer.close();
    }
  }, 600_000);
});

import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Producer } from 'kafkajs';
import { DefinitionsWriter } from '@abtest/definitions';
import { waitFor } from '@abtest/local-stack';
import { resultsTopics, type BreakdownResults, type ExperimentResults, type SeriesResults } from '@abtest/results-contract';
import { personKey } from '@abtest/segment';
import { createTopics, testStackEnv, uniqueName, useStackClients, waitForEqual } from '@abtest/test-harness';
import { breakdownRows, expectedBreakdownRows, expectedVariantRows, variantRows } from './conversion-rows';
import { expectedConversionsFromPostgres } from './expected-conversions';
import { CONVERSION_DIMENSIONS, generateConversionEvents, type SegmentEvent } from './generate-conversion-events';
import { processorEnv, waitUntilReady } from './processor-helpers';
import { startProcessorProcess, type ProcessorProcess } from './processor-process';
import { followLatest, followResults } from './results-reader';

const PARTITIONS = 3;
const WAIT_MS = 180_000;
const CLI = resolve(__dirname, '../../services/processor/dist/cli.js');

/**
 * Without the generator's second devices, for a test whose links keep
 * arriving while a rebuild catches up: links that arrive after a rebuild
 * started are decided in the order the stitch stage receives them (see the
 * experiments README).
 */
const firstDevicesOnly = (events: SegmentEvent[]): SegmentEvent[] => events.filter((e) => !(typeof e.anonymousId === 'string' && e.anonymousId.endsWith('-desktop')));

interface GenerationsStatus {
  live: { generation: number; application_id: string; counted_from: number | null };
  rebuild: { generation: number; phase: string; reason: string; progress: { events_read: number; events_total: number; progress: number } | null } | null;
  retired: string[];
}

/*
 * Backfill and reprocess (packages/generations): the state is rebuilt from the
 * raw events topic beside the live generation, which then hands the results
 * topics over. The oracle is the SQL reference over the same events with
 * every definition present from the first event.
 */
describe('Processor > rebuilding the state from the raw events topic (real Kafka, Redis, schema registry)', () => {
  const clients = useStackClients();
  let producer: Producer;
  const running: ProcessorProcess[] = [];
  let registry: SchemaRegistry;
  const decode = (value: Buffer) => registry.decode(value);

  beforeAll(async () => {
    registry = new SchemaRegistry({ host: testStackEnv().schemaRegistryUrl });
    producer = clients.kafka.producer({ idempotent: true });
    await producer.connect();
  });

  afterAll(async () => {
    await Promise.all(running.splice(0).map((p) => p.process.stop()));
    await producer.disconnect();
  });

  /** Topics, definitions and a processor configuration of one run. */
  async function setUp(runId: string, extraEnv: Record<string, string> = {}) {
    const names = { applicationId: `${runId}-app`, eventsTopic: `${runId}-events`, resultsTopic: `${runId}-results`, definitionsTopic: `${runId}-definitions` };
    await createTopics(clients.admin, [{ topic: names.eventsTopic, numPartitions: PARTITIONS }]);
    const writer = new DefinitionsWriter(clients.kafka, names.definitionsTopic);
    await writer.ensureTopic();
    const env = {
      PROCESSOR_APPLICATION_ID: names.applicationId,
      EVENTS_TOPIC: names.eventsTopic,
      RESULTS_TOPIC: names.resultsTopic,
      DEFINITIONS_TOPIC: names.definitionsTopic,
      REDIS_KEY_PREFIX: `${runId}:`,
      BREAKDOWN_DIMENSIONS: CONVERSION_DIMENSIONS.join(','),
      COMMIT_INTERVAL_MS: '100',
      SESSION_TIMEOUT_MS: '6000',
      GENERATION_TICK_MS: '250',
      REBUILD_SETTLE_MS: '500',
      BACKFILL_ON_DEFINITION_CHANGE: 'true',
      ...extraEnv,
    };
    const start = async (): Promise<ProcessorProcess> => {
      const instance = await startProcessorProcess(env);
      running.push(instance);
      // Listening comes after the definitions are read: then /generations answers.
      await waitFor(async () => (await fetch(`${instance.url}/healthz`).catch(() => undefined))?.status === 200, { description: 'processor listening', timeoutMs: 60_000, intervalMs: 100 });
      return instance;
    };
    const stop = async (instance: ProcessorProcess, signal: 'SIGKILL' | 'SIGTERM') => {
      instance.process.signal(signal);
      await instance.process.exited;
      running.splice(running.indexOf(instance), 1);
    };
    /** Each event with its arrival as the record timestamp when given (the generator's simulated arrivals), else now. */
    const produce = async (events: SegmentEvent[], arrivals?: number[]) => {
      for (let i = 0; i < events.length; i += 1000) {
        const messages = events.slice(i, i + 1000).map((e, j) => ({ key: personKey(e) ?? null, value: JSON.stringify(e), ...(arrivals ? { timestamp: String(arrivals[i + j]) } : {}) }));
        await producer.send({ topic: names.eventsTopic, acks: -1, messages });
      }
    };
    return { names, writer, env, start, stop, produce };
  }

  /** GET /generations, once the instance has read the generations record. */
  async function generations(instance: ProcessorProcess): Promise<GenerationsStatus> {
    let status: GenerationsStatus | undefined;
    await waitFor(
      async () => {
        const response = await fetch(`${instance.url}/generations`);
        if (response.status === 200) status = (await response.json()) as GenerationsStatus;
        return status !== undefined;
      },
      { description: 'GET /generations', timeoutMs: 60_000, intervalMs: 100 },
    );
    return status as GenerationsStatus;
  }

  /** Raw events a generation's consumer group has committed past its start, over all partitions. */
  async function committedEvents(groupId: string, topic: string): Promise<number> {
    const [offsets] = await clients.admin.fetchOffsets({ groupId, topics: [topic] });
    return (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  }

  /** A marker exposure on every partition: once published, every earlier event has been processed. */
  function markers(runId: string, eventsTopic: string, results: Map<string, ExperimentResults>) {
    let count = 0;
    return async () => {
      const experiment = `${runId}-marker-${count++}`;
      const events = Array.from({ length: PARTITIONS }, (_, partition) => ({ type: 'track', event: 'Experiment Viewed', messageId: `${experiment}-${partition}`, anonymousId: `${experiment}-${partition}`, timestamp: new Date().toISOString(), properties: { experiment_id: experiment, variation_id: 'marker' } }));
      await producer.send({ topic: eventsTopic, acks: -1, messages: events.map((e, partition) => ({ key: e.anonymousId, partition, value: JSON.stringify(e) })) });
      await waitFor(() => results.get(experiment)?.variants[0]?.unique_views === PARTITIONS, { description: `marker ${experiment} published`, timeoutMs: WAIT_MS, intervalMs: 100 });
    };
  }

  it('backfills a metric defined mid-stream, exactly as if it had been defined from the first event (second devices included), through 5 SIGKILLs during the backfill', async () => {
    const runId = uniqueName('backfill');
    // Recent event times: the events arrive (record timestamps) when the generator says, within the de-duplication window.
    const stream = generateConversionEvents({ seed: 3, persons: 300, runId, start: new Date(Date.now() - 9 * 3_600_000).toISOString() });
    expect(stream.situations.secondDeviceLinksIgnored).toBeGreaterThan(0);
    const { names, writer, start, stop, produce } = await setUp(runId);
    // Revenue (a capped CUPED value metric the experiments list) is defined only after its events were processed.
    const [late, ...early] = [...stream.metrics].sort((a, b) => Number(b.id.endsWith('-revenue')) - Number(a.id.endsWith('-revenue')));
    expect(late?.id).toBe(`${runId}-revenue`);
    for (const metric of early) await writer.putMetric(metric);
    for (const experiment of stream.experiments) await writer.putExperiment(experiment);
    // Page views no metric counts: history enough for the backfill to take several seconds.
    const filler = Array.from({ length: 100_000 }, (_, i): SegmentEvent => ({ type: 'track', event: 'Page Viewed', messageId: `${runId}-page-${i}`, anonymousId: `${runId}-visitor-${i % 5000}`, timestamp: new Date().toISOString() }));
    await produce(stream.events, stream.arrivedAt);
    await produce(filler);

    let instance = await start();
    await waitUntilReady(instance);
    const seen: ExperimentResults[] = [];
    const results = await followLatest<ExperimentResults>(clients.kafka, names.resultsTopic, (r) => r.experiment_id, decode, (r) => void seen.push(r));
    const breakdowns = await followLatest<BreakdownResults>(clients.kafka, resultsTopics(names.resultsTopic).breakdowns, (b) => `${b.experiment_id}|${b.dimension}|${b.value}`, decode);
    const drained = markers(runId, names.eventsTopic, results.latest);
    try {
      await drained();
      const experimentIds = new Set(stream.experiments.map((e) => e.id));
      const ours = () => new Map([...results.latest].filter(([id]) => experimentIds.has(id)));
      expect(variantRows(ours(), new Set([late.id])).every((row) => row.metrics.length === 0)).toBe(true);

      await writer.putMetric(late);
      const rebuildGroup = `${names.applicationId}-g2`;
      let last = 0;
      for (let kill = 1; kill <= 5; kill++) {
        // Killed once the rebuild has committed progress since the last kill: each successor resumes from its commits.
        await waitFor(async () => (await committedEvents(rebuildGroup, names.eventsTopic)) > last, { description: `rebuild progress before kill ${kill}`, timeoutMs: WAIT_MS, intervalMs: 50 });
        last = await committedEvents(rebuildGroup, names.eventsTopic);
        const status = await generations(instance);
        expect({ kill, live: status.live.generation, rebuilding: status.rebuild?.generation }).toEqual({ kill, live: 1, rebuilding: 2 });
        expect(status.rebuild?.reason).toMatch(new RegExp(`^definitions changed: .*metric ${late.id} added`));
        await stop(instance, 'SIGKILL');
        instance = await start();
      }
      await waitFor(async () => (await generations(instance)).live.generation === 2, { description: 'the backfill taking over', timeoutMs: WAIT_MS, intervalMs: 200 });
      await drained();

      const expected = await expectedConversionsFromPostgres(stream.events, stream.metrics, { dimensions: CONVERSION_DIMENSIONS, experiments: stream.experiments.map((e) => ({ id: e.id, metrics: e.metrics })) });
      expect(expected.variants.some((v) => v.metrics.some((m) => m.metric_id === late.id && m.sum > 0))).toBe(true);
      const metricIds = new Set(stream.metrics.map((m) => m.id));
      await waitForEqual('variant figures equal to the reference with the metric defined from the start', () => variantRows(ours(), metricIds), expectedVariantRows(expected), WAIT_MS);
      await waitForEqual('breakdowns equal to the reference', () => breakdownRows(breakdowns.latest, experimentIds), expectedBreakdownRows(expected), WAIT_MS);
      for (const [experimentId, switchers] of expected.variantSwitchers) expect(results.latest.get(experimentId)?.data_quality.variant_switchers).toBe(switchers);

      // The live records showed the backfill's progress meanwhile; they show none once it took over.
      const progress = seen.filter((r) => experimentIds.has(r.experiment_id) && r.backfill !== null).map((r) => r.backfill);
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.every((b) => b?.generation === 2 && b.events_total >= b.events_read && b.progress >= 0 && b.progress <= 1)).toBe(true);
      expect([...ours().values()].map((r) => [r.backfill, r.counted_from])).toEqual([...ours().values()].map(() => [null, null]));
    } finally {
      await Promise.all([results.stop(), breakdowns.stop()]);
    }
  }, 480_000);

  it('reprocesses under live traffic on two instances (abtest-processor reprocess): results equal to the reference over the retained history, versions never repeated or going back, the old state deleted', async () => {
    const runId = uniqueName('reprocess');
    const generated = generateConversionEvents({ seed: 4, persons: 250, runId, start: '2026-10-31T21:00:00.000Z' });
    const stream = { ...generated, events: firstDevicesOnly(generated.events) };
    // A rebuild at 1,000 events/s: a few seconds over this history, and faster than the live traffic.
    const { names, writer, env, start, produce } = await setUp(runId, { REBUILD_MAX_EVENTS_PER_SECOND: '1000' });
    for (const metric of stream.metrics) await writer.putMetric(metric);
    for (const experiment of stream.experiments) await writer.putExperiment(experiment);
    // The first events go before the rest: deleting them later stands for the raw topic's retention.
    const PAST_RETENTION = 60;
    await produce(stream.events.slice(0, PAST_RETENTION));
    const retentionEnd = await clients.admin.fetchTopicOffsets(names.eventsTopic);
    const half = Math.floor(stream.events.length / 2);
    await produce(stream.events.slice(PAST_RETENTION, half));

    // Two instances: the rebuild's tasks spread over both, one coordinates, both stop generation 1 before the handover.
    const [instance, other] = await Promise.all([start(), start()]);
    await Promise.all([waitUntilReady(instance), waitUntilReady(other)]);
    const topics = resultsTopics(names.resultsTopic);
    const results = await followResults(clients.kafka, names.resultsTopic, decode);
    const breakdowns = await followLatest<BreakdownResults>(clients.kafka, topics.breakdowns, (b) => `${b.experiment_id}|${b.dimension}|${b.value}`, decode);
    const series = await followLatest<SeriesResults>(clients.kafka, topics.series, (s) => `${s.experiment_id}|${s.granularity}|${s.bucket_start}`, decode);
    const drained = markers(runId, names.eventsTopic, results.latest);
    try {
      await drained();
      await clients.admin.deleteTopicRecords({ topic: names.eventsTopic, partitions: retentionEnd.map((p) => ({ partition: p.partition, offset: p.high })) });

      // Live traffic all through the reprocess: the rest of the stream, a slice every 100 ms.
      let trafficDone = false;
      const traffic = (async () => {
        const rest = stream.events.slice(half);
        for (let i = 0; i < rest.length; i += 40) {
          await produce(rest.slice(i, i + 40));
          await new Promise((r) => setTimeout(r, 100));
        }
        trafficDone = true;
      })();
      const cli = promisify(execFile)(process.execPath, [CLI, 'reprocess', '--reason', 'attribution fix', '--timeout-ms', String(WAIT_MS)], { env: { ...process.env, ...processorEnv(env) } });
      const { stdout } = await cli;
      await traffic;
      expect(trafficDone).toBe(true);
      expect(stdout).toMatch(/^generation 2: \d+\.\d% \(\d+ of \d+ events\)/m);
      expect(stdout).toMatch(/generation 2 is live/);
      await drained();

      const retained = stream.events.slice(PAST_RETENTION);
      const expected = await expectedConversionsFromPostgres(retained, stream.metrics, { dimensions: CONVERSION_DIMENSIONS, experiments: stream.experiments.map((e) => ({ id: e.id, metrics: e.metrics })) });
      const experimentIds = new Set(stream.experiments.map((e) => e.id));
      const ours = () => new Map([...results.latest].filter(([id]) => experimentIds.has(id)));
      await waitForEqual('variant figures equal to the reference over the retained events', () => variantRows(ours(), new Set(stream.metrics.map((m) => m.id))), expectedVariantRows(expected), WAIT_MS);
      await waitForEqual('breakdowns equal to the reference', () => breakdownRows(breakdowns.latest, experimentIds), expectedBreakdownRows(expected), WAIT_MS);

      // Retention cut the history: the experiments that started before say where their figures start.
      const status = await generations(instance);
      expect(status.live).toMatchObject({ generation: 2, application_id: `${names.applicationId}-g2` });
      expect((await generations(other)).live).toEqual(status.live);
      const [rebuilt] = (await clients.admin.describeGroups([`${names.applicationId}-g2`])).groups;
      expect(rebuilt?.members).toHaveLength(2);
      expect(status.live.counted_from).toBeGreaterThan(0);
      for (const record of ours().values()) expect(record.counted_from).toBe(status.live.counted_from);
      // Each instance restarts the taken-over generation in publishing mode: its API answers once that has started.
      let api: ExperimentResults | undefined;
      await waitFor(
        async () => {
          const response = await fetch(`${instance.url}/experiments/${stream.experiments[0]?.id}`);
          api = response.status === 200 ? ((await response.json()) as ExperimentResults) : undefined;
          return api !== undefined;
        },
        { description: 'GET /experiments/:id on generation 2', timeoutMs: 60_000, intervalMs: 200 },
      );
      expect(api?.counted_from).toBe(status.live.counted_from);

      // Every key's versions, in topic order, only grow across the handover: none repeated, none going back.
      // (A commit publishes the newest record per key: versions of updates within one commit are skipped, as before.)
      for (const [topic, versions] of [['results', results.versions], ['breakdowns', breakdowns.versions], ['series', series.versions]] as const) {
        expect(versions.size).toBeGreaterThan(0);
        const broken = [...versions].filter(([, list]) => list.some((v, i) => i > 0 && v <= (list[i - 1] as number))).map(([key, list]) => `${topic} ${key}: ${list.join(',')}`);
        expect(broken).toEqual([]);
      }
      // The handover published every experiment again, past generation 1's last version.
      expect([...ours().values()].every((r) => r.version > 1)).toBe(true);

      // Generation 1's state is deleted: consumer group, internal topics, Redis keys.
      const { redis } = clients;
      await waitFor(
        async () => {
          const [group] = (await clients.admin.describeGroups([names.applicationId])).groups;
          const topicsLeft = (await clients.admin.listTopics()).filter((t) => t.startsWith(`${names.applicationId}-`) && !t.startsWith(`${names.applicationId}-g2-`) && t !== `${names.applicationId}-generations`);
          const keysLeft = await redis.keys(`${runId}:{${names.applicationId}|*`);
          return group?.state === 'Dead' && topicsLeft.length === 0 && keysLeft.length === 0;
        },
        { description: "generation 1's state deleted", timeoutMs: WAIT_MS, intervalMs: 500 },
      );
      expect((await redis.keys(`${runId}:{${names.applicationId}-g2|*`)).length).toBeGreaterThan(0);
    } finally {
      await Promise.all([results.stop(), breakdowns.stop(), series.stop()]);
    }
  }, 480_000);
});

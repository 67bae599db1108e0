import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import Redis from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import { DefinitionsWriter, parseExperimentDefinition, parseMetricDefinition } from '@abtest/definitions';
import { waitFor } from '@abtest/local-stack';
import { testKafka, testStackEnv, uniqueName, waitForEqual } from '@abtest/test-harness';
import { WRITE_KEY } from '../ingress/ingress-helpers';
import { startIngressProcess, type IngressProcess } from '../ingress/ingress-process';
import { waitUntilReady } from '../processor/processor-helpers';
import { startProcessorProcess, type ProcessorProcess } from '../processor/processor-process';
import { readDecisions, startResultsProcess, uniqueResultsEnv, waitForOutboxDrained, type ResultsProcess } from '../results/results-helpers';
import { startSlackCapture } from '../results/slack-capture';
import { generateDecisionTraffic, trafficTotals, type ExperimentPlan } from './decision-events';
import { followResultsTopic, postBatches, statusPath, variantFigures } from './pipeline-helpers';
import { analysisFacets, analyzePrefixes } from './status-path';

/** Fixed: the generated persons, conversions and order, hence every statistic. */
const SEED = 13;
const SIGNUP = 'signup';
/** A's runtime ends before the killed processor's successor is up (the broker expires a session after 6 s at the least)... */
const MIN_RUNTIME_MS = 5_000;
/** ...B's while the successor runs idle. */
const LONG_MIN_RUNTIME_MS = 12_000;
const PUNCTUATE_INTERVAL_MS = 1_000;
const COMMIT_INTERVAL_MS = 100;
/**
 * How late past its due time a punctuation may run: the runtime's timer
 * period at most (100 ms, see packages/streams' Punctuation), plus event-loop
 * delays of a loaded 2-core test machine (a task restoring, GC): once, in a
 * run of several suites, 500 ms was not enough.
 */
const PUNCTUATION_LATENESS_MS = 1_500;
/** The killed instance's partitions move once the group expires its session. */
const SESSION_TIMEOUT_MS = 6_000;
/** Each wait's own deadline (start-up, delivery); the punctuation itself is held to PUNCTUATE_INTERVAL_MS. */
const PIPELINE_DEADLINE_MS = 60_000;
const TEST_TIMEOUT_MS = 150_000;

describe('Pipeline > minimum runtime (status moves without events, through SIGKILL of the processor)', () => {
  const runId = uniqueName('runtime');
  const metric = parseMetricDefinition({ id: SIGNUP, type: 'conversion', event: 'Signed Up', scope: 'local' });
  // No start time: each runtime starts at the experiment's first exposure (at the traffic's start).
  const experimentOf = (suffix: string, name: string, minRuntimeMs: number) =>
    parseExperimentDefinition({ id: `${runId}-${suffix}`, name, variants: [{ id: 'control', weight: 1 }, { id: 'treatment', weight: 1 }], metrics: [SIGNUP], min_persons_per_variant: 100, min_runtime_ms: minRuntimeMs });
  const experiments = [experimentOf('a', 'Onboarding checklist', MIN_RUNTIME_MS), experimentOf('b', 'Pricing copy', LONG_MIN_RUNTIME_MS)];
  // A strong effect (10% → 40%) on a 50/50 split: significant as soon as the runtime allows.
  const plans: ExperimentPlan[] = experiments.map(({ id, name }) => ({ id, name, persons: { control: 200, treatment: 200 }, signupRate: { control: 0.1, treatment: 0.4 } }));
  const trafficAt = (startMs: number) => generateDecisionTraffic({ seed: SEED, runId, startMs, experiments: plans });

  it('should be significant from the generated traffic alone once the minimum runtime has passed, and collecting before', () => {
    const events = trafficAt(0);
    for (const experiment of experiments) {
      const runtimeMet = analyzePrefixes(events, { ...experiment, min_runtime_ms: 0 }, [metric]);
      expect(analysisFacets(runtimeMet.final)).toEqual({ status: 'significant', winner: 'treatment' });
      expect(runtimeMet.final.srm.flagged).toBe(false);
      // Every prefix within the runtime: collecting, and nothing else (no SRM, no guardrail).
      expect(analyzePrefixes(events, experiment, [metric]).runs.map(({ status }) => status)).toEqual(['collecting']);
    }
  });

  describe('through the real services', () => {
    let kafka: Kafka;
    let admin: Admin;
    let redis: Redis;
    let writer: DefinitionsWriter;
    let slack: Awaited<ReturnType<typeof startSlackCapture>>;
    const processes: Array<IngressProcess | ProcessorProcess | ResultsProcess> = [];
    const resultsEnv = uniqueResultsEnv();
    const resultsTopic = resultsEnv.RESULTS_TOPIC as string;
    const eventsTopic = `${runId}-events`;
    const definitionsTopic = `${runId}-definitions`;
    const processorEnv = {
      PROCESSOR_APPLICATION_ID: `${runId}-app`,
      EVENTS_TOPIC: eventsTopic,
      RESULTS_TOPIC: resultsTopic,
      RESULTS_TOPIC_PARTITIONS: resultsEnv.RESULTS_TOPIC_PARTITIONS as string,
      DEFINITIONS_TOPIC: definitionsTopic,
      REDIS_KEY_PREFIX: `${runId}-processor:`,
      COMMIT_INTERVAL_MS: String(COMMIT_INTERVAL_MS),
      PUNCTUATE_INTERVAL_MS: String(PUNCTUATE_INTERVAL_MS),
      SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
    };

    beforeAll(async () => {
      kafka = testKafka();
      admin = kafka.admin();
      await admin.connect();
      redis = new Redis(testStackEnv().redisUrl);
      slack = await startSlackCapture();
      writer = new DefinitionsWriter(kafka, definitionsTopic);
    });

    /** How the punctuations fared, for the run's log. */
    const timings: Array<Record<string, unknown>> = [];

    afterAll(async () => {
      process.stderr.write(`minimum-runtime timings ${JSON.stringify(timings)}\n`);
      await Promise.all(processes.map((p) => p.process.stop()));
      await writer?.close();
      await slack?.close();
      redis?.disconnect();
      await admin?.disconnect();
    });

    it(
      'should turn collecting into significant within one punctuation interval of the minimum runtime, with no traffic and a SIGKILL in between: one Slack message, one decision each',
      async () => {
        await writer.ensureTopic();
        await writer.putMetric(metric);
        for (const experiment of experiments) await writer.putExperiment(experiment);
        const ingress = await startIngressProcess({
          KAFKA_BROKERS: testStackEnv().kafkaBrokers.join(','),
          INGRESS_MODE: 'production',
          INGRESS_SOURCES: JSON.stringify([{ name: 'web', writeKeys: [WRITE_KEY] }]),
          INGRESS_TOPIC: eventsTopic,
          INGRESS_DEAD_LETTER_TOPIC: `${eventsTopic}-dead`,
          INGRESS_TOPIC_PARTITIONS: '1',
          LOG_LEVEL: 'warn',
        });
        processes.push(ingress);
        const first = await startProcessorProcess(processorEnv);
        processes.push(first);
        await waitUntilReady(first);
        const results = await startResultsProcess({ ...resultsEnv, SLACK_WEBHOOK_URL: slack.url, DASHBOARD_BASE_URL: 'https://results.example.test' });
        processes.push(results);
        const follower = await followResultsTopic(kafka, resultsTopic, new SchemaRegistry({ host: testStackEnv().schemaRegistryUrl }));
        try {
          // All the traffic there will be, sent at once: its first exposures start the runtimes now.
          const events = trafficAt(Date.now());
          const replies = await postBatches(ingress.url, events);
          for (const reply of replies) expect(reply).toEqual({ status: 200, accepted: expect.any(Number), rejected: [] });
          const totals = trafficTotals(events);
          /** Per experiment: the version that counted every event, and when its minimum runtime ends. */
          const processed = new Map<string, { version: number; dueAt: number }>();
          for (const { id, min_runtime_ms: minRuntimeMs } of experiments) {
            await waitForEqual(`the final counts of ${id}`, () => variantFigures(follower.latest.get(id), SIGNUP), totals[id], PIPELINE_DEADLINE_MS);
            const record = follower.latest.get(id);
            expect(record).toMatchObject({ status: 'collecting', status_reason: expect.stringMatching(/^minimum runtime not reached/) as unknown, started_at: expect.any(Number) as unknown });
            processed.set(id, { version: record?.version ?? Number.NaN, dueAt: (record?.started_at ?? Number.NaN) + minRuntimeMs });
          }
          const dueAt = (id: string) => processed.get(id)?.dueAt ?? Number.NaN;

          // The processor dies before any runtime is over; the new one restores its tasks, which schedule again.
          expect({ killedBeforeDue: Date.now() < dueAt(experiments[0]?.id as string) }).toEqual({ killedBeforeDue: true });
          first.process.signal('SIGKILL');
          await first.process.exited;
          const second = await startProcessorProcess(processorEnv);
          processes.push(second);
          await waitUntilReady(second);
          const readyAt = Date.now();

          // No event arrives any more: only punctuations can move the statuses.
          for (const { id } of experiments) {
            const expectedBy = Math.max(dueAt(id), readyAt) + PUNCTUATE_INTERVAL_MS + PUNCTUATION_LATENESS_MS;
            await waitFor(() => follower.latest.get(id)?.status === 'significant', { description: `the significant record of ${id} (due by ${new Date(expectedBy).toISOString()})`, timeoutMs: expectedBy - Date.now() + PIPELINE_DEADLINE_MS });
            const decided = follower.latest.get(id);
            timings.push({ id, readyAfterDueMs: readyAt - dueAt(id), decidedAfterDueMs: (decided?.updated_at ?? 0) - dueAt(id), decidedAfterReadyMs: (decided?.updated_at ?? 0) - readyAt });
            expect(decided).toMatchObject({ version: (processed.get(id)?.version ?? 0) + 1, status: 'significant' });
            expect(decided?.analysis?.significant_result).toMatchObject({ variant_id: 'treatment', metric_id: SIGNUP, outcome: 'winner' });
            expect(variantFigures(decided, SIGNUP)).toEqual(totals[id]);
            // Analysed by a punctuation (updated_at is its time): after the runtime, within one interval of it (or of the restart).
            expect(decided?.updated_at).toBeGreaterThanOrEqual(dueAt(id));
            expect(decided?.updated_at).toBeLessThanOrEqual(expectedBy);
            expect(statusPath(follower.history.get(id) ?? [])).toEqual([
              { status: 'collecting', winner: '' },
              { status: 'significant', winner: 'treatment' },
            ]);
          }
          expect(follower.unreadable).toEqual([]);

          // One status change each: one Slack message, one decision record naming the punctuation's record.
          await waitForOutboxDrained(redis, resultsEnv.REDIS_KEY_PREFIX as string);
          expect(slack.calls.map((c) => c.status)).toEqual([200, 200]);
          expect(slack.delivered().map((m) => m.text)).toEqual(experiments.map(({ id, name }) => `:trophy: Winner declared in ${name} (${id})`));
          const decisions = await readDecisions(kafka, admin, resultsEnv.DECISIONS_TOPIC as string);
          expect(decisions).toEqual(
            experiments.map(({ id }) => {
              const decided = follower.latest.get(id);
              return expect.objectContaining({ experiment_id: id, previous_status: 'collecting', status: 'significant', winning_variant_id: 'treatment', results_version: decided?.version, decided_at: decided?.updated_at }) as unknown;
            }),
          );
        } finally {
          await follower.stop();
        }
      },
      TEST_TIMEOUT_MS,
    );
  });
});

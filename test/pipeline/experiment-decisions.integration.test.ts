import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { parseExperimentDefinition, parseMetricDefinition } from '@abtest/definitions';
import type { ExperimentDetail } from '@abtest/results-contract';
import { testStackEnv, uniqueName, waitForEqual } from '@abtest/test-harness';
import { uniqueResultsEnv, waitForJson } from '../results/results-helpers';
import { generateDecisionTraffic, trafficTotals, type ExperimentPlan, type TrafficTotals } from './decision-events';
import { readDecisions, waitForOutboxDrained } from '../results/results-helpers';
import { usePipelineClients } from './pipeline-clients';
import { followResultsTopic, postBatches, startPipeline, statusPath, variantFigures } from './pipeline-helpers';
import { analyzePrefixes, analysisFacets } from './status-path';

/**
 * Fixed: the generated persons, conversions and order, hence every statistic. With this seed B's
 * sample-ratio check crosses its threshold once, even analysed afresh at every prefix (with the
 * previous analysis carried, as the processor does, a flag stays set anyway). The first test
 * checks this seed's path.
 */
const SEED = 4;
/** The first request's events: both experiments start collecting before anything can be decided. */
const WARMUP_EVENTS = 100;
const DASHBOARD_BASE_URL = 'https://results.example.test';
const SIGNUP = 'signup';
/** Each wait's own deadline; the whole test takes well under a minute when all is well. */
const PIPELINE_DEADLINE_MS = 60_000;
const TEST_TIMEOUT_MS = 150_000;

const figuresOf = (totals: TrafficTotals, experimentId: string) => totals[experimentId] ?? {};

describe('Pipeline > experiment decisions (ingress → processor → results service, real Kafka, Redis and registry)', () => {
  const runId = uniqueName('decide');
  const metric = parseMetricDefinition({ id: SIGNUP, type: 'conversion', event: 'Signed Up', scope: 'local' });
  const experiment = (id: string, name: string) =>
    parseExperimentDefinition({ id, name, variants: [{ id: 'control', weight: 1 }, { id: 'treatment', weight: 1 }], metrics: [SIGNUP], min_persons_per_variant: 100, min_runtime_ms: 0 });
  const a = experiment(`${runId}-a`, 'One-page signup');
  const b = experiment(`${runId}-b`, 'Pricing page layout');
  // A: a real effect (10% → 25%) on a 50/50 split. B: assigned 70/30 against its configured 50/50, no effect.
  const plans: ExperimentPlan[] = [
    { id: a.id, name: a.name, persons: { control: 1000, treatment: 1000 }, signupRate: { control: 0.1, treatment: 0.25 } },
    { id: b.id, name: b.name, persons: { control: 420, treatment: 180 }, signupRate: { control: 0.15, treatment: 0.15 } },
  ];
  const events = generateDecisionTraffic({ seed: SEED, runId, startMs: Date.now() - 3_600_000, experiments: plans });
  const warmup = events.slice(0, WARMUP_EVENTS);

  it('should decide, from the generated traffic alone, as this test expects the pipeline to', () => {
    const pathA = analyzePrefixes(events, a, [metric]);
    const pathB = analyzePrefixes(events, b, [metric]);
    // Each path, over every prefix: collecting, then once the final state, reached after the warm-up and held to the end.
    expect(pathA.runs.map(({ status, winner }) => ({ status, winner }))).toEqual([
      { status: 'collecting', winner: '' },
      { status: 'significant', winner: 'treatment' },
    ]);
    expect(pathB.runs.map(({ status, winner }) => ({ status, winner }))).toEqual([
      { status: 'collecting', winner: '' },
      { status: 'invalid_srm', winner: '' },
    ]);
    for (const path of [pathA, pathB]) expect(path.runs[1]?.fromEvent).toBeGreaterThanOrEqual(WARMUP_EVENTS);
    // Afresh too: whichever prefixes the processor happens to analyse, it ends here.
    expect(analysisFacets(pathA.final)).toEqual({ status: 'significant', winner: 'treatment' });
    expect(pathA.final.significant_result).toMatchObject({ metric_id: SIGNUP, outcome: 'winner' });
    expect(pathA.final.srm.flagged).toBe(false);
    expect(analysisFacets(pathB.final)).toEqual({ status: 'invalid_srm', winner: '' });
    const totals = trafficTotals(events);
    expect(figuresOf(totals, a.id)).toMatchObject({ control: { persons: 1000 }, treatment: { persons: 1000 } });
    expect(figuresOf(totals, b.id)).toMatchObject({ control: { persons: 420 }, treatment: { persons: 180 } });
  });

  describe('through the real services', () => {
    const resultsEnv = uniqueResultsEnv();
    const resultsTopic = resultsEnv.RESULTS_TOPIC as string;
    const eventsTopic = `${runId}-events`;
    const definitionsTopic = `${runId}-definitions`;
    const clients = usePipelineClients(definitionsTopic);

    it(
      'should publish Avro results, serve them, alert Slack and write decisions once per status change',
      async () => {
        const { kafka, admin, redis, writer, slack, processes } = clients();
        await writer.ensureTopic();
        await writer.putMetric(metric);
        for (const definition of [a, b]) await writer.putExperiment(definition);

        const { ingress, results } = await startPipeline({ runId, eventsTopic, definitionsTopic, resultsEnv, slackUrl: slack.url, dashboardBaseUrl: DASHBOARD_BASE_URL }, processes);
        const follower = await followResultsTopic(kafka, resultsTopic, new SchemaRegistry({ host: testStackEnv().schemaRegistryUrl }));
        const published = (id: string) => variantFigures(follower.latest.get(id), SIGNUP);

        try {
          // Both experiments start collecting before anything can be decided.
          const warmupTotals = trafficTotals(warmup);
          expect(await postBatches(ingress.url, warmup)).toEqual([{ status: 200, accepted: warmup.length, rejected: [] }]);
          for (const id of [a.id, b.id]) await waitForEqual(`the warm-up counts of ${id}`, () => published(id), figuresOf(warmupTotals, id), PIPELINE_DEADLINE_MS);

          const rest = events.slice(WARMUP_EVENTS);
          const replies = await postBatches(ingress.url, rest);
          for (const reply of replies) expect(reply).toEqual({ status: 200, accepted: expect.any(Number), rejected: [] });
          expect(replies.reduce((sum, r) => sum + Number(r.accepted), 0)).toBe(rest.length);

          // The results topic: exact counts, then the statuses the statistics call for.
          const totals = trafficTotals(events);
          for (const id of [a.id, b.id]) await waitForEqual(`the final counts of ${id}`, () => published(id), figuresOf(totals, id), PIPELINE_DEADLINE_MS);
          expect(follower.unreadable).toEqual([]);
          const recordA = follower.latest.get(a.id);
          const recordB = follower.latest.get(b.id);
          expect(recordA).toMatchObject({ experiment_name: a.name, status: 'significant', control_variant_id: 'control' });
          expect(recordA?.analysis?.significant_result).toMatchObject({ variant_id: 'treatment', metric_id: SIGNUP, outcome: 'winner' });
          expect(recordA?.analysis?.srm.flagged).toBe(false);
          expect(recordB).toMatchObject({ experiment_name: b.name, status: 'invalid_srm' });
          expect(recordB?.analysis?.srm.flagged).toBe(true);
          expect(recordB?.analysis?.significant_result).toBeNull();
          expect(statusPath(follower.history.get(a.id) ?? [])).toEqual([
            { status: 'collecting', winner: '' },
            { status: 'significant', winner: 'treatment' },
          ]);
          expect(statusPath(follower.history.get(b.id) ?? [])).toEqual([
            { status: 'collecting', winner: '' },
            { status: 'invalid_srm', winner: '' },
          ]);

          // The results service's API serves the newest records (each stored only after its status advanced).
          const detailOf = (id: string) =>
            waitForJson<ExperimentDetail>(`${results.url}/api/experiments/${encodeURIComponent(id)}`, (d) => d.experiment.version === follower.latest.get(id)?.version, `the API to serve the newest record of ${id}`, PIPELINE_DEADLINE_MS);
          const detailA = await detailOf(a.id);
          expect(detailA.experiment).toMatchObject({ experiment_name: a.name, status: 'significant', srm_flagged: false, persons: 2000 });
          expect(detailA.significant_result).toMatchObject({ variant_id: 'treatment', metric_id: SIGNUP, outcome: 'winner', direction: 'increase' });
          const detailB = await detailOf(b.id);
          expect(detailB.experiment).toMatchObject({ experiment_name: b.name, status: 'invalid_srm', srm_flagged: true, persons: 600 });
          expect(detailB.statistics.srm).toMatchObject({ flagged: true, variants: [expect.objectContaining({ variant_id: 'control', persons: 420 }), expect.objectContaining({ variant_id: 'treatment', persons: 180 })] });

          // One Slack message per change: A's first significant record declares the winner (one change, one message); B's SRM.
          await waitForOutboxDrained(redis, resultsEnv.REDIS_KEY_PREFIX as string);
          expect(slack.calls.map((c) => c.status)).toEqual([200, 200]);
          const messages = slack.delivered();
          const messageOf = (id: string) => messages.find((m) => m.text?.endsWith(`(${id})`));
          expect(messageOf(a.id)?.text).toBe(`:trophy: Winner declared in ${a.name} (${a.id})`);
          expect(messageOf(b.id)?.text).toBe(`:warning: Sample ratio mismatch in ${b.name} (${b.id})`);
          for (const id of [a.id, b.id]) expect(messageOf(id)?.blocks?.[0]?.text?.text).toContain(`<${DASHBOARD_BASE_URL}/experiments/${id}|Open the dashboard>`);
          expect(messageOf(a.id)?.blocks?.[0]?.text?.text).toContain('Variant *treatment* vs control on `signup`');
          // Each message gives the figures of the record that changed the status.
          const firstWith = (id: string, status: string) => follower.history.get(id)?.find((p) => p.status === status);
          const srmPersons = firstWith(b.id, 'invalid_srm')?.persons ?? [];
          const expectedEach = Math.round(srmPersons.reduce((sum, [, persons]) => sum + (persons ?? 0), 0) / 2);
          expect(messageOf(b.id)?.blocks?.[0]?.text?.text).toContain(`Persons per variant ${srmPersons.map(([id, persons]) => `${id} ${persons}`).join(' / ')}, expected ${expectedEach} / ${expectedEach}`);

          // One decision per change, naming the results record that made it.
          const decisions = await readDecisions(kafka, admin, resultsEnv.DECISIONS_TOPIC as string);
          expect(decisions).toHaveLength(2);
          const decisionA = decisions.find((d) => d.experiment_id === a.id);
          expect(decisionA).toMatchObject({
            experiment_name: a.name,
            previous_status: 'collecting',
            status: 'significant',
            winning_variant_id: 'treatment',
            metric_id: SIGNUP,
            results_version: firstWith(a.id, 'significant')?.version,
            decided_at: firstWith(a.id, 'significant')?.updated_at,
            relative_lift: expect.objectContaining({ interval: 'confidence_sequence' }),
          });
          expect(decisionA?.sequential_p_value_adjusted).toBeLessThan(a.alpha);
          expect(decisionA?.relative_lift?.estimate).toBeGreaterThan(0);
          expect(decisions.find((d) => d.experiment_id === b.id)).toMatchObject({
            experiment_name: b.name,
            previous_status: 'collecting',
            status: 'invalid_srm',
            winning_variant_id: null,
            metric_id: null,
            results_version: firstWith(b.id, 'invalid_srm')?.version,
            decided_at: firstWith(b.id, 'invalid_srm')?.updated_at,
          });
        } finally {
          await follower.stop();
        }
      },
      TEST_TIMEOUT_MS,
    );
  });
});

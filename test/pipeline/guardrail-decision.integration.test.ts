import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { parseExperimentDefinition, parseMetricDefinition } from '@abtest/definitions';
import type { ExperimentDetail } from '@abtest/results-contract';
import { testStackEnv, uniqueName, waitForEqual } from '@abtest/test-harness';
import { readDecisions, uniqueResultsEnv, waitForJson, waitForOutboxDrained } from '../results/results-helpers';
import { generateDecisionTraffic, SIGNUP_EVENT, trafficTotals, type ExperimentPlan } from './decision-events';
import { usePipelineClients } from './pipeline-clients';
import { followResultsTopic, postBatches, startPipeline, statusPath, variantFigures } from './pipeline-helpers';
import { analyzePrefixes, analysisFacets } from './status-path';

/**
 * Fixed: the generated persons, sign-ups, checkout errors and order. With this seed the primary
 * metric stays inconclusive and the guardrail fails once, after the warm-up (the first test checks it).
 */
const SEED = 4;
const WARMUP_EVENTS = 100;
const DASHBOARD_BASE_URL = 'https://results.example.test';
const SIGNUP = 'signup';
const CHECKOUT_ERRORS = 'checkout_errors';
const CHECKOUT_ERROR_EVENT = 'Checkout Error';
const PIPELINE_DEADLINE_MS = 60_000;
const TEST_TIMEOUT_MS = 150_000;

describe('Pipeline > guardrail failure (ingress → processor → results service, real Kafka, Redis and registry)', () => {
  const runId = uniqueName('guard');
  const signup = parseMetricDefinition({ id: SIGNUP, type: 'conversion', event: SIGNUP_EVENT, scope: 'local' });
  // More checkout errors is worse: inverse.
  const checkoutErrors = parseMetricDefinition({ id: CHECKOUT_ERRORS, type: 'conversion', event: CHECKOUT_ERROR_EVENT, scope: 'local', inverse: true });
  const metrics = [signup, checkoutErrors];
  const experiment = parseExperimentDefinition({
    id: `${runId}-checkout`,
    name: 'One-click checkout',
    variants: [{ id: 'control', weight: 1 }, { id: 'B', weight: 1 }],
    metrics: [SIGNUP, CHECKOUT_ERRORS],
    primary_metrics: [SIGNUP],
    guardrail_metrics: [CHECKOUT_ERRORS],
    min_persons_per_variant: 100,
    min_runtime_ms: 0,
  });
  // Sign-ups flat (15% in both); checkout errors 4% in the control, 10% in B.
  const plan: ExperimentPlan = {
    id: experiment.id,
    name: experiment.name,
    persons: { control: 700, B: 700 },
    signupRate: { control: 0.15, B: 0.15 },
    otherEvents: [{ event: CHECKOUT_ERROR_EVENT, rate: { control: 0.04, B: 0.1 } }],
  };
  const events = generateDecisionTraffic({ seed: SEED, runId, startMs: Date.now() - 3_600_000, experiments: [plan] });
  const path = analyzePrefixes(events, experiment, metrics);

  it('should fail the guardrail, and only the guardrail, from the generated traffic alone', () => {
    expect(path.runs.map(({ status, winner }) => ({ status, winner }))).toEqual([
      { status: 'collecting', winner: '' },
      { status: 'guardrail_failed', winner: '' },
    ]);
    expect(path.runs[1]?.fromEvent).toBeGreaterThanOrEqual(WARMUP_EVENTS);
    expect(analysisFacets(path.final)).toEqual({ status: 'guardrail_failed', winner: '' });
    expect(path.final.guardrail_failures).toEqual([expect.objectContaining({ variant_id: 'B', metric_id: CHECKOUT_ERRORS, summary: expect.stringMatching(/^checkout_errors \+\d+% in B$/) })]);
    expect(path.final.comparisons.find((c) => c.metric_id === SIGNUP)).toMatchObject({ metric_role: 'primary', verdict: 'inconclusive', sequential_significant: false });
    expect(path.final.srm.flagged).toBe(false);
  });

  describe('through the real services', () => {
    const resultsEnv = uniqueResultsEnv();
    const resultsTopic = resultsEnv.RESULTS_TOPIC as string;
    const definitionsTopic = `${runId}-definitions`;
    const clients = usePipelineClients(definitionsTopic);

    it(
      'should publish guardrail_failed, alert Slack once with the failure, write one decision and serve per-metric roles and verdicts',
      async () => {
        const { kafka, admin, redis, writer, slack, processes } = clients();
        await writer.ensureTopic();
        for (const metric of metrics) await writer.putMetric(metric);
        await writer.putExperiment(experiment);
        const { ingress, results } = await startPipeline({ runId, eventsTopic: `${runId}-events`, definitionsTopic, resultsEnv, slackUrl: slack.url, dashboardBaseUrl: DASHBOARD_BASE_URL }, processes);
        const follower = await followResultsTopic(kafka, resultsTopic, new SchemaRegistry({ host: testStackEnv().schemaRegistryUrl }));
        const published = () => ({ signup: variantFigures(follower.latest.get(experiment.id), SIGNUP), errors: variantFigures(follower.latest.get(experiment.id), CHECKOUT_ERRORS) });
        const expected = (eventsSoFar: typeof events) => ({ signup: trafficTotals(eventsSoFar)[experiment.id], errors: trafficTotals(eventsSoFar, CHECKOUT_ERROR_EVENT)[experiment.id] });

        try {
          const warmup = events.slice(0, WARMUP_EVENTS);
          expect(await postBatches(ingress.url, warmup)).toEqual([{ status: 200, accepted: warmup.length, rejected: [] }]);
          await waitForEqual('the warm-up counts', published, expected(warmup), PIPELINE_DEADLINE_MS);
          const replies = await postBatches(ingress.url, events.slice(WARMUP_EVENTS));
          for (const reply of replies) expect(reply).toEqual({ status: 200, accepted: expect.any(Number), rejected: [] });
          await waitForEqual('the final counts', published, expected(events), PIPELINE_DEADLINE_MS);

          // The results record (Avro): the status, the failure and the per-metric verdicts.
          expect(follower.unreadable).toEqual([]);
          const record = follower.latest.get(experiment.id);
          expect(record).toMatchObject({ status: 'guardrail_failed' });
          const failure = record?.analysis?.guardrail_failures[0];
          expect(record?.analysis?.guardrail_failures).toHaveLength(1);
          expect(failure).toMatchObject({ variant_id: 'B', metric_id: CHECKOUT_ERRORS, summary: expect.stringMatching(/^checkout_errors \+\d+% in B$/) });
          expect(record?.analysis?.significant_result).toBeNull();
          expect(record?.analysis?.comparisons.map((c) => [c.metric_id, c.metric_role, c.verdict])).toEqual([
            [SIGNUP, 'primary', 'inconclusive'],
            [CHECKOUT_ERRORS, 'guardrail', 'worse'],
          ]);
          expect(statusPath(follower.history.get(experiment.id) ?? [])).toEqual([
            { status: 'collecting', winner: '' },
            { status: 'guardrail_failed', winner: '' },
          ]);

          // GET /api/experiments/:id: roles, verdicts and the adjusted p-value of each role's family.
          const detail = await waitForJson<ExperimentDetail>(
            `${results.url}/api/experiments/${encodeURIComponent(experiment.id)}`,
            (d) => d.experiment.version === follower.latest.get(experiment.id)?.version,
            'the API to serve the newest record',
            PIPELINE_DEADLINE_MS,
          );
          expect(detail.experiment).toMatchObject({ status: 'guardrail_failed', srm_flagged: false, guardrail_failures: [expect.objectContaining({ summary: failure?.summary })] });
          expect(detail.metric_roles).toEqual([
            { metric_id: SIGNUP, metric_role: 'primary' },
            { metric_id: CHECKOUT_ERRORS, metric_role: 'guardrail' },
          ]);
          const comparisonOf = (metricId: string) => detail.variants.find((v) => v.variant_id === 'B')?.metrics.find((m) => m.metric_id === metricId)?.comparison;
          expect(comparisonOf(SIGNUP)).toMatchObject({ metric_role: 'primary', verdict: 'inconclusive', adjustment: 'holm', significant: false });
          expect(comparisonOf(CHECKOUT_ERRORS)).toMatchObject({ metric_role: 'guardrail', verdict: 'worse', adjustment: 'guardrail_holm', adjusted_p_value: failure?.guardrail_p_value_adjusted });
          expect(comparisonOf(CHECKOUT_ERRORS)?.adjusted_p_value).toBeLessThan(experiment.guardrail_alpha);
          expect(detail.statistics).toMatchObject({ guardrail_alpha: experiment.guardrail_alpha, srm: { flagged: false, sequential_p_value: expect.any(Number) } });

          // Exactly one Slack message and one decision, for the change to guardrail_failed.
          await waitForOutboxDrained(redis, resultsEnv.REDIS_KEY_PREFIX as string);
          const messages = slack.delivered();
          // The figures of the record that failed it, which may differ from the newest record's.
          expect(messages.map((m) => m.text)).toEqual([expect.stringMatching(new RegExp(`^:rotating_light: Guardrail failed: checkout_errors \\+\\d+% in B — ${experiment.name} \\(${experiment.id}\\)$`))]);
          expect(messages[0]?.blocks?.[0]?.text?.text).toContain(`<${DASHBOARD_BASE_URL}/experiments/${experiment.id}|Open the dashboard>`);
          const firstFailed = follower.history.get(experiment.id)?.find((p) => p.status === 'guardrail_failed');
          const decisions = await readDecisions(kafka, admin, resultsEnv.DECISIONS_TOPIC as string);
          expect(decisions).toEqual([
            expect.objectContaining({
              experiment_id: experiment.id,
              previous_status: 'collecting',
              status: 'guardrail_failed',
              winning_variant_id: null,
              results_version: firstFailed?.version,
              guardrail_failures: [expect.objectContaining({ variant_id: 'B', metric_id: CHECKOUT_ERRORS, summary: expect.stringMatching(/^checkout_errors \+\d+% in B$/) })],
            }),
          ]);
        } finally {
          await follower.stop();
        }
      },
      TEST_TIMEOUT_MS,
    );
  });
});

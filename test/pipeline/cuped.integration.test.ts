import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { parseExperimentDefinition, parseMetricDefinition } from '@abtest/definitions';
import type { ExperimentDetail, ResultsRecord } from '@abtest/results-contract';
import { testStackEnv, uniqueName, waitForEqual } from '@abtest/test-harness';
import { comparableCupedSums, expectedConversionsFromPostgres, roundFigure, type ExpectedConversions, type ExpectedCupedSums } from '../processor/expected-conversions';
import { waitUntilReady } from '../processor/processor-helpers';
import { startProcessorProcess, type ProcessorProcess } from '../processor/processor-process';
import { uniqueResultsEnv, waitForJson } from '../results/results-helpers';
import { generateCupedTraffic, ORDER_EVENT } from './cuped-events';
import { usePipelineClients } from './pipeline-clients';
import { followResultsTopic, pipelineProcessorEnv, postBatches, startPipeline } from './pipeline-helpers';

const DEADLINE_MS = 90_000;
const TEST_TIMEOUT_MS = 240_000;

type Figures = { metric_id: string; sum: number; sum_squares: number; cuped?: ExpectedCupedSums | null };
const figures = (metrics: readonly Figures[]) =>
  metrics
    .map((m) => ({ metric_id: m.metric_id, sum: roundFigure(m.sum), sum_squares: roundFigure(m.sum_squares), cuped: comparableCupedSums(m.cuped) }))
    .sort((a, b) => a.metric_id.localeCompare(b.metric_id));

/** Per variant: n (persons) and every sufficient statistic of each metric. */
const published = (record: ResultsRecord | undefined) => (record?.variants ?? []).map((v) => ({ variant_id: v.variant_id, persons: v.persons, metrics: figures(v.metrics) }));
const reference = (expected: ExpectedConversions) => expected.variants.map((v) => ({ variant_id: v.variant_id, persons: v.persons, metrics: figures(v.metrics) }));

describe('Pipeline > CUPED (ingress → processor → results service, real Kafka, Redis and registry)', () => {
  const runId = uniqueName('cuped');
  const revenue = parseMetricDefinition({ id: 'revenue', type: 'value', event: ORDER_EVENT, value_path: 'properties.revenue', cap: 400, cuped: { window: '7d' } });
  // Nearly everyone orders at all: a conversion on big orders varies from person to person.
  const purchase = parseMetricDefinition({ id: 'big-order', type: 'conversion', event: ORDER_EVENT, filters: [{ path: 'properties.revenue', op: 'gte', value: 60 }], cuped: { window: '7d' } });
  const metrics = [revenue, purchase];
  const experiment = parseExperimentDefinition({
    id: `${runId}-loyalty`,
    name: 'Loyalty banner',
    variants: [{ id: 'control' }, { id: 'B' }],
    metrics: [revenue.id, purchase.id],
    primary_metrics: [revenue.id],
    min_persons_per_variant: 100,
  });
  const traffic = generateCupedTraffic({ seed: 11, runId, experimentId: experiment.id, persons: 800, heldBack: 60, exposureDay: Date.UTC(2026, 10, 20) });
  const resultsEnv = uniqueResultsEnv();
  const definitionsTopic = `${runId}-definitions`;
  const eventsTopic = `${runId}-events`;
  const clients = usePipelineClients(definitionsTopic);

  it(
    'should publish per-variant n, Σ X, Σ X², Σ Y, Σ Y², Σ XY equal to PostgreSQL through a SIGKILL and a Redis loss, and serve the variance reduction',
    async () => {
      const { kafka, redis, writer, processes } = clients();
      await writer.ensureTopic();
      for (const metric of metrics) await writer.putMetric(metric);
      await writer.putExperiment(experiment);
      const { ingress, processor: first, results } = await startPipeline({ runId, eventsTopic, definitionsTopic, resultsEnv, slackUrl: clients().slack.url, dashboardBaseUrl: 'https://results.example.test' }, processes);
      const follower = await followResultsTopic(kafka, resultsEnv.RESULTS_TOPIC as string, new SchemaRegistry({ host: testStackEnv().schemaRegistryUrl }));
      const startProcessor = async (): Promise<ProcessorProcess> => {
        const processor = await startProcessorProcess(pipelineProcessorEnv({ runId, eventsTopic, definitionsTopic, resultsEnv }));
        processes.push(processor);
        await waitUntilReady(processor);
        return processor;
      };
      const expectedFor = (events: unknown[]) => expectedConversionsFromPostgres(events as Array<Record<string, unknown>>, metrics, { dimensions: [], experiments: [{ id: experiment.id, metrics: experiment.metrics }] });
      const accepted = (replies: Awaited<ReturnType<typeof postBatches>>) => replies.every((r) => r.status === 200 && Array.isArray(r.rejected) && r.rejected.length === 0);

      try {
        expect(traffic.lateCovariateEvents).toBeGreaterThan(50);
        const half = Math.floor(traffic.events.length / 2);
        expect(accepted(await postBatches(ingress.url, traffic.events.slice(0, half)))).toBe(true);
        // Killed while it works through the first half; its successor must give the same figures.
        first.process.signal('SIGKILL');
        await first.process.exited;
        let processor = await startProcessor();
        expect(accepted(await postBatches(ingress.url, traffic.events.slice(half)))).toBe(true);

        const before = await expectedFor(traffic.events);
        const covariates = before.variants.flatMap((v) => v.metrics).filter((m) => (m.cuped?.sum_x ?? 0) > 0);
        expect(covariates.map((m) => m.metric_id).sort()).toEqual(['big-order', 'big-order', 'revenue', 'revenue']);
        await waitForEqual('sufficient statistics equal to PostgreSQL after a SIGKILL', () => published(follower.latest.get(experiment.id)), reference(before), DEADLINE_MS);

        // Redis loses the state while the processor is stopped; the restored state must keep the persons' daily activity:
        // the held-back persons' earlier orders were posted before the loss, their exposures come after it.
        await processor.process.stop();
        const keys = await redis.keys(`${runId}-processor:*`);
        expect(keys.length).toBeGreaterThan(0);
        await redis.del(...keys);
        processor = await startProcessor();
        const resent = traffic.events.slice(0, 200);
        expect(accepted(await postBatches(ingress.url, [...traffic.heldBack, ...resent]))).toBe(true);
        const all = await expectedFor([...traffic.events, ...traffic.heldBack, ...resent]);
        expect(all.variants.reduce((n, v) => n + v.persons, 0)).toBe(800);
        await waitForEqual('sufficient statistics equal to PostgreSQL after a Redis loss', () => published(follower.latest.get(experiment.id)), reference(all), DEADLINE_MS);

        // The analysis: CUPED-adjusted comparisons with the variance they removed.
        expect(follower.unreadable).toEqual([]);
        const record = follower.latest.get(experiment.id);
        const comparison = (metricId: string) => record?.analysis?.comparisons.find((c) => c.metric_id === metricId && c.variant_id === 'B');
        for (const metricId of [revenue.id, purchase.id]) {
          const cuped = comparison(metricId)?.cuped;
          expect(cuped).toEqual(expect.objectContaining({ theta: expect.any(Number), variance_reduction: expect.any(Number) }));
          expect(cuped?.variance_reduction).toBeGreaterThan(0);
          const adjusted = comparison(metricId)?.absolute_difference;
          const raw = cuped?.raw_absolute_difference;
          expect((adjusted?.ci_upper as number) - (adjusted?.ci_lower as number)).toBeLessThan((raw?.ci_upper as number) - (raw?.ci_lower as number));
        }
        // The spending level makes revenue before and after strongly correlated.
        expect(comparison(revenue.id)?.cuped?.variance_reduction).toBeGreaterThan(0.3);

        // GET /api/experiments/:id carries it per metric.
        const detail = await waitForJson<ExperimentDetail>(
          `${results.url}/api/experiments/${encodeURIComponent(experiment.id)}`,
          (d) => d.experiment.version === record?.version,
          'the API to serve the newest record',
          DEADLINE_MS,
        );
        const served = detail.variants.find((v) => v.variant_id === 'B')?.metrics.find((m) => m.metric_id === revenue.id)?.comparison;
        expect(served?.cuped).toMatchObject({ variance_reduction: comparison(revenue.id)?.cuped?.variance_reduction, theta: comparison(revenue.id)?.cuped?.theta, relative_lift_unadjusted: { estimate: comparison(revenue.id)?.cuped?.raw_relative_lift.estimate } });
      } finally {
        await follower.stop();
      }
    },
    TEST_TIMEOUT_MS,
  );
});

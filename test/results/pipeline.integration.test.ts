import type { Kafka, Producer } from 'kafkajs';
import { personKey } from '@abtest/segment';
import type { ExperimentDetail, ExperimentList } from '@abtest/results-contract';
import { testKafka, uniqueName } from '@abtest/test-harness';
import { startTestProcessor, waitUntilReady, type TestProcessor } from '../processor/processor-helpers';
import { buildResults, connectedProducer, startResultsProcess, uniqueResultsEnv, waitForJson, type ResultsProcess } from './results-helpers';

type Kind = 'Experiment Viewed' | 'Experiment Clicked';

describe('Results service > the real pipeline', () => {
  let kafka: Kafka;
  let producer: Producer;
  const processors: TestProcessor[] = [];
  const running: ResultsProcess[] = [];

  beforeAll(async () => {
    buildResults();
    kafka = testKafka();
    producer = await connectedProducer(kafka);
  });

  afterAll(async () => {
    await Promise.all([...running.map((r) => r.process.stop()), ...processors.map((p) => p.stop())]);
    await producer.disconnect();
  });

  it('should show the counts the processor computed from Segment events, live, on the API and the dashboard routes', async () => {
    const env = uniqueResultsEnv();
    const eventsTopic = uniqueName('events');
    const experiment = uniqueName('exp');
    const applicationId = uniqueName('proc');
    const processor = await startTestProcessor({ PROCESSOR_APPLICATION_ID: applicationId, EVENTS_TOPIC: eventsTopic, EVENTS_TOPIC_PARTITIONS: '2', RESULTS_TOPIC: env.RESULTS_TOPIC as string, RESULTS_TOPIC_PARTITIONS: '2', REDIS_KEY_PREFIX: `${applicationId}:`, COMMIT_INTERVAL_MS: '100' });
    processors.push(processor);
    await waitUntilReady(processor);
    const results = await startResultsProcess(env);
    running.push(results);

    let sequence = 0;
    const event = (person: string, kind: Kind, variant: string) => ({
      type: 'track',
      event: kind,
      anonymousId: `${experiment}-${person}`,
      messageId: `${experiment}-m${++sequence}`,
      timestamp: new Date().toISOString(),
      receivedAt: new Date().toISOString(),
      properties: { experiment_id: experiment, experiment_name: 'Pipeline experiment', variation_id: variant, variation_name: variant === 'v0' ? 'Control' : 'Treatment' },
    });
    const events = [
      ...['p1', 'p2', 'p3', 'p4', 'p5'].map((p) => event(p, 'Experiment Viewed', 'v0')),
      event('p1', 'Experiment Viewed', 'v0'),
      ...['p6', 'p7', 'p8', 'p9'].map((p) => event(p, 'Experiment Viewed', 'v1')),
      event('p1', 'Experiment Clicked', 'v0'),
      event('p2', 'Experiment Clicked', 'v0'),
      event('p6', 'Experiment Clicked', 'v1'),
      event('p6', 'Experiment Clicked', 'v1'),
    ];
    await producer.send({ topic: eventsTopic, acks: -1, messages: events.map((e) => ({ key: personKey(e) ?? null, value: JSON.stringify(e) })) });

    const url = `${results.url}/api/experiments/${encodeURIComponent(experiment)}`;
    const detail = await waitForJson<ExperimentDetail>(url, (d) => d.variants.reduce((sum, v) => sum + v.total_clicks, 0) === 4 && d.experiment.persons === 9, 'the processed counts', 30_000).catch(async (error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}; last answer: ${await (await fetch(url)).text()}`);
    });
    expect(detail.variants.map((v) => [v.variant_id, v.variant_name, v.unique_views, v.total_views, v.unique_clicks, v.total_clicks])).toEqual([
      ['v0', 'Control', 5, 6, 2, 2],
      ['v1', 'Treatment', 4, 4, 1, 2],
    ]);
    const list = await waitForJson<ExperimentList>(`${results.url}/api/experiments`, (l) => l.experiments.some((e) => e.experiment_id === experiment), 'the experiment in the list');
    expect(list.experiments.find((e) => e.experiment_id === experiment)).toMatchObject({ experiment_name: 'Pipeline experiment', persons: 9 });

    // More events: the service follows the processor's next record.
    await producer.send({ topic: eventsTopic, acks: -1, messages: [event('p10', 'Experiment Viewed', 'v1')].map((e) => ({ key: personKey(e) ?? null, value: JSON.stringify(e) })) });
    const after = await waitForJson<ExperimentDetail>(url, (d) => d.experiment.persons === 10, 'the next results record', 30_000);
    expect(after.variants[1]?.unique_views).toBe(5);
    expect((await fetch(`${results.url}/experiments/${encodeURIComponent(experiment)}`)).headers.get('content-security-policy')).toContain("default-src 'self'");
    const favicon = await fetch(`${results.url}/favicon.ico`);
    expect([favicon.status, favicon.headers.get('content-type')]).toEqual([200, 'image/svg+xml']);
    expect(await favicon.text()).toContain('<svg');
  });
});

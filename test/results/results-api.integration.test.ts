import type { Admin, Kafka, Producer } from 'kafkajs';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { waitFor } from '@abtest/local-stack';
import { apiSchemas, RESULTS_AVRO_SCHEMA, resultsTopics, type ExperimentDetail, type ExperimentList } from '@abtest/results-contract';
import { testKafka, testStackEnv } from '@abtest/test-harness';
import { breakdownRecord, rebuilding, resultsRecord, seriesRecord } from './records';
import { connectedProducer, getJson, produceJson, startResults, uniqueResultsEnv, waitForJson } from './results-helpers';
import type { ResultsService } from '@abtest/results';

/** Reads server-sent events from a fetch body until `until` holds or the deadline passes. */
async function readEvents(url: string, until: (events: Array<{ event: string; data: string }>) => boolean, timeoutMs: number) {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  const reader = response.body?.getReader();
  if (!reader) throw new Error('no event stream body');
  const events: Array<{ event: string; data: string }> = [];
  let buffer = '';
  const deadline = setTimeout(() => controller.abort(), timeoutMs);
  const done = (async () => {
    try {
      for (;;) {
        const { value, done: ended } = await reader.read();
        if (ended) return;
        buffer += Buffer.from(value).toString('utf8');
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data !== undefined) events.push({ event, data });
          if (until(events)) return;
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    } finally {
      clearTimeout(deadline);
      controller.abort();
    }
  })();
  return { events, done };
}

describe('Results service > API and live updates', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let service: ResultsService | undefined;
  const env = uniqueResultsEnv();
  const topic = env.RESULTS_TOPIC as string;

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    producer = await connectedProducer(kafka);
  });

  afterAll(async () => {
    await service?.close();
    await producer.disconnect();
    await admin.disconnect();
  });

  it('should serve the latest record per experiment, breakdowns and series, and push a new record within 2 s', async () => {
    const base = Date.now() - 3 * 3_600_000;
    const experiment = 'checkout-button';
    // Records already on the topics before the service starts: read at start-up, before it reports ready.
    service = await startResults(env);
    await produceJson(producer, topic, experiment, resultsRecord({ experimentId: experiment, version: 1, variants: [{ id: 'control', views: 100, clicks: 10 }, { id: 'green', views: 98, clicks: 12 }] }));
    await produceJson(producer, topic, experiment, resultsRecord({ experimentId: experiment, version: 2, variants: [{ id: 'control', views: 1000, clicks: 100, totalViews: 1500, totalClicks: 130 }, { id: 'green', views: 1010, clicks: 130, totalViews: 1480, totalClicks: 170 }], analysis: { status: 'collecting' } }));
    for (const [dimension, value, persons] of [['os', 'iOS', 600], ['os', 'Android', 400]] as const) {
      await produceJson(producer, resultsTopics(topic).breakdowns, `${experiment}|${dimension}|${value}`, breakdownRecord(experiment, dimension, value, 1, [{ id: 'control', persons, converted: persons / 10 }, { id: 'green', persons, converted: persons / 8 }]));
    }
    for (let hour = 0; hour < 3; hour++) {
      await produceJson(producer, resultsTopics(topic).series, `${experiment}|hour|${base + hour * 3_600_000}`, seriesRecord({ experimentId: experiment, bucketStart: base + hour * 3_600_000, version: 1, variants: [{ id: 'control', persons: 300, converted: 30 }, { id: 'green', persons: 300, converted: 36 }] }));
    }

    const list = await waitForJson<ExperimentList>(`${service.url}/api/experiments`, (body) => body.experiments[0]?.version === 2, 'version 2 in the list');
    expect(apiSchemas.experimentListSchema.parse(list)).toEqual(list);
    expect(list.experiments).toHaveLength(1);
    expect(list.experiments[0]).toMatchObject({ experiment_id: experiment, status: 'collecting', persons: 2010, statistics_available: true, srm_flagged: false, headline: { metric_id: 'click', variant_id: 'green' } });

    const detail = await waitForJson<ExperimentDetail>(`${service.url}/api/experiments/${experiment}`, (body) => body.breakdowns[0]?.segments.length === 2 && body.series.variants[0]?.points.length === 3, 'breakdowns and series in the detail');
    expect(apiSchemas.experimentDetailSchema.parse(detail)).toEqual(detail);
    expect(detail.variants.map((v) => [v.variant_id, v.unique_views, v.total_views, v.unique_clicks, v.total_clicks, v.is_control])).toEqual([
      ['control', 1000, 1500, 100, 130, true],
      ['green', 1010, 1480, 130, 170, false],
    ]);
    expect(detail.variants[1]?.unique_click_rate).toBeCloseTo(130 / 1010, 10);
    expect(detail.variants[1]?.metrics[0]?.comparison?.relative_lift_sequential).toEqual({ estimate: 0.2, lower: 0.2 - 0.06, upper: 0.2 + 0.06 });
    expect(detail.series).toMatchObject({ source: 'series', granularity: 'hour', metric_id: 'click' });
    expect(detail.series.variants[0]?.points.map((p) => [p.persons, p.rate])).toEqual([
      [300, 0.1],
      [600, 0.1],
      [900, 0.1],
    ]);
    expect(detail.breakdowns[0]).toMatchObject({ dimension: 'os', segments: [{ value: 'iOS' }, { value: 'Android' }] });
    expect(detail.breakdowns[0]?.segments[0]?.variants[1]?.relative_lift?.estimate).toBeCloseTo(0.25, 10);

    // Live: a new record reaches an open event stream within 2 s of being written.
    const stream = await readEvents(`${service.url}/api/events`, (events) => events.some((e) => e.event === 'results' && e.data.includes('"version":3')), 10_000);
    await waitFor(() => stream.events.some((e) => e.event === 'ready'), { description: 'the event stream to open', timeoutMs: 5_000 });
    const writtenAt = Date.now();
    await produceJson(producer, topic, experiment, resultsRecord({ experimentId: experiment, version: 3, variants: [{ id: 'control', views: 1100, clicks: 110 }, { id: 'green', views: 1111, clicks: 150 }], analysis: { status: 'collecting' } }));
    await stream.done;
    expect(Date.now() - writtenAt).toBeLessThan(2_000);
    const pushed = stream.events.find((e) => e.event === 'results' && e.data.includes('"version":3'));
    expect(JSON.parse(pushed?.data ?? '{}')).toMatchObject({ experiment_id: experiment, summary: { version: 3, persons: 2211 } });
  });

  it('should decode Avro records through the schema registry and degrade clearly without statistics', async () => {
    if (!service) throw new Error('the previous test starts the service');
    const registry = new SchemaRegistry({ host: testStackEnv().schemaRegistryUrl });
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(RESULTS_AVRO_SCHEMA) }, { subject: `${topic}-value` });
    const record = resultsRecord({ experimentId: 'avro-experiment', version: 1, variants: [{ id: 'a', views: 40, clicks: 4 }, { id: 'b', views: 41, clicks: 6 }] });
    await producer.send({ topic, acks: -1, messages: [{ key: record.experiment_id, value: await registry.encode(id, record) }] });
    const detail = await waitForJson<ExperimentDetail>(`${service.url}/api/experiments/avro-experiment`, () => true, 'the Avro record');
    expect(detail.variants.map((v) => [v.variant_id, v.unique_views, v.unique_clicks])).toEqual([
      ['a', 40, 4],
      ['b', 41, 6],
    ]);
    expect(detail.statistics).toMatchObject({ available: false, reason: expect.stringContaining('statistics not available yet') });
    expect(detail.series.source).toBe('results_history');
    expect(detail.experiment).toMatchObject({ backfill: null, counted_from: null, history_note: null });

    // A state rebuild in progress, in Avro too: the API shows its progress and where the figures count from.
    const countedFrom = Date.UTC(2026, 10, 1, 6);
    const rebuilt = rebuilding({ ...record, version: 2 }, { eta: null, countedFrom });
    await producer.send({ topic, acks: -1, messages: [{ key: record.experiment_id, value: await registry.encode(id, rebuilt) }] });
    const rebuildingDetail = await waitForJson<ExperimentDetail>(`${service.url}/api/experiments/avro-experiment`, (body) => body.experiment.version === 2, 'the rebuilding record');
    expect(apiSchemas.experimentDetailSchema.parse(rebuildingDetail)).toEqual(rebuildingDetail);
    expect(rebuildingDetail.experiment).toMatchObject({
      backfill: { generation: 2, reason: 'definitions changed: metric big-basket', started_at: new Date(rebuilt.updated_at - 600_000).toISOString(), events_read: 1_234, events_total: 2_740, percent: 45, eta_seconds: null },
      counted_from: '2026-11-01T06:00:00.000Z',
      history_note: 'counted from 2026-11-01: earlier events are past retention',
    });

    const missing = await fetch(`${service.url}/api/experiments/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });
    const openApi = await getJson<{ openapi: string; paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } }>(`${service.url}/openapi.json`);
    expect(openApi.openapi).toBe('3.1.0');
    expect(Object.keys(openApi.paths)).toEqual(expect.arrayContaining(['/api/experiments', '/api/experiments/{experimentId}', '/api/events']));
    expect(Object.keys(openApi.components.schemas)).toEqual(expect.arrayContaining(['ExperimentList', 'ExperimentDetail', 'ExperimentSummary', 'ConversionSeries', 'Breakdown', 'MetricRole', 'GuardrailFailure', 'Backfill']));
    // The per-metric decision fields of issue #13 are documented.
    const schemas = openApi.components.schemas as Record<string, { properties?: Record<string, unknown>; enum?: string[] }>;
    expect(Object.keys(schemas.Comparison?.properties ?? {})).toEqual(expect.arrayContaining(['metric_role', 'verdict', 'adjusted_p_value', 'adjustment', 'guardrail_p_value_adjusted', 'absolute_difference_sequential', 'cs_conflict']));
    expect(Object.keys(schemas.Srm?.properties ?? {})).toEqual(expect.arrayContaining(['sequential_p_value', 'p_value']));
    expect(Object.keys(schemas.Statistics?.properties ?? {})).toEqual(expect.arrayContaining(['guardrail_alpha', 'sequential_restart_reason']));
    expect(schemas.ExperimentStatus?.enum).toEqual(expect.arrayContaining(['guardrail_failed']));
    // A state rebuild's progress and the history cut by retention.
    expect(Object.keys(schemas.ExperimentSummary?.properties ?? {})).toEqual(expect.arrayContaining(['backfill', 'counted_from', 'history_note']));
    expect(Object.keys(schemas.Backfill?.properties ?? {})).toEqual(['generation', 'reason', 'started_at', 'events_read', 'events_total', 'percent', 'eta_seconds']);
  });
});

import { isDeepStrictEqual } from 'node:util';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import Redis from 'ioredis';
import type { Kafka, Producer } from 'kafkajs';
import { waitFor } from '@abtest/local-stack';
import {
  createAvroSerializer,
  createValueDecoder,
  IncompatibleSchemaError,
  RESULTS_AVRO_SCHEMA,
  resultsTopics,
  type BreakdownResults,
  type ExperimentResults,
  type SeriesResults,
} from '@abtest/results-contract';
import { personKey } from '@abtest/segment';
// Relative imports: the test harness and helpers are shared by every integration test, not packages.
import { testKafka, testStackEnv, uniqueName } from '@abtest/test-harness';
import { startTestProcessor, waitUntilReady, type TestProcessor } from '../../../test/processor/processor-helpers';
import { followLatest } from '../../../test/processor/results-reader';

const HOUR_MS = 3_600_000;
const WAIT_MS = 60_000;

/**
 * Records compared as JSON (the Avro decoder gives class instances) and
 * without `updated_at`: the query stamps the time it answered, the topics the time of the commit.
 */
const withoutUpdatedAt = <R extends { updated_at: number }>(records: R[]) => records.map(({ updated_at: _, ...rest }) => JSON.parse(JSON.stringify(rest)) as Omit<R, 'updated_at'>);

describe('Processor > startProcessor', () => {
  let kafka: Kafka;
  let producer: Producer;
  const processors: TestProcessor[] = [];

  beforeAll(async () => {
    kafka = testKafka();
    producer = kafka.producer({ idempotent: true });
    await producer.connect();
  });

  afterAll(async () => {
    await Promise.all(processors.map((p) => p.stop()));
    await producer.disconnect();
  });

  it('should answer GET /experiments/:id with the records the results topics publish, and stop on shutdown', async () => {
    const applicationId = uniqueName('proc');
    const eventsTopic = uniqueName('events');
    const topics = resultsTopics(uniqueName('results'));
    const experiment = uniqueName('exp');
    const processor = await startTestProcessor({
      PROCESSOR_APPLICATION_ID: applicationId,
      EVENTS_TOPIC: eventsTopic,
      EVENTS_TOPIC_PARTITIONS: '2',
      RESULTS_TOPIC: topics.results,
      RESULTS_TOPIC_PARTITIONS: '2',
      DEFINITIONS_TOPIC: uniqueName('definitions'),
      REDIS_KEY_PREFIX: `${applicationId}:`,
      BREAKDOWN_DIMENSIONS: 'context.os.name',
      COMMIT_INTERVAL_MS: '100',
    });
    processors.push(processor);
    await waitUntilReady(processor);
    const unknown = await fetch(`${processor.url}/experiments/${experiment}`);
    expect([unknown.status, ((await unknown.json()) as { error: { code: string } }).error.code]).toEqual([404, 'not_found']);

    // Two hours of event time, two operating systems, views and clicks in two variants.
    const firstHour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - HOUR_MS;
    let sequence = 0;
    const event = (person: number, kind: string, variant: string, hour: number) => ({
      type: 'track',
      event: kind,
      anonymousId: `${experiment}-p${person}`,
      messageId: `${experiment}-m${++sequence}`,
      timestamp: new Date(firstHour + hour * HOUR_MS + sequence).toISOString(),
      context: { os: { name: person % 2 === 0 ? 'iOS' : 'Android' } },
      properties: { experiment_id: experiment, variation_id: variant },
    });
    const persons = [1, 2, 3, 4, 5, 6];
    const events = [
      ...persons.map((p) => event(p, 'Experiment Viewed', p <= 3 ? 'control' : 'treatment', p % 2)),
      ...[1, 4, 4].map((p) => event(p, 'Experiment Clicked', p <= 3 ? 'control' : 'treatment', 1)),
    ];
    await producer.send({ topic: eventsTopic, acks: -1, messages: events.map((e) => ({ key: personKey(e) ?? null, value: JSON.stringify(e) })) });

    const decode = createValueDecoder(new SchemaRegistry({ host: testStackEnv().schemaRegistryUrl }));
    const results = await followLatest<ExperimentResults>(kafka, topics.results, (r) => r.experiment_id, decode);
    const breakdowns = await followLatest<BreakdownResults>(kafka, topics.breakdowns, (b) => `${b.dimension}|${b.value}`, decode);
    const series = await followLatest<SeriesResults>(kafka, topics.series, (s) => `${s.granularity}|${s.bucket_start}`, decode);
    try {
      await waitFor(() => results.latest.get(experiment)?.variants.reduce((sum, v) => sum + v.total_views + v.total_clicks, 0) === events.length, { description: 'every event in the published results', timeoutMs: WAIT_MS, intervalMs: 100 });
      const published = () => ({
        ...withoutUpdatedAt([...results.latest.values()])[0],
        breakdowns: withoutUpdatedAt([...breakdowns.latest.values()]),
        series: withoutUpdatedAt([...series.latest.values()]),
      });
      let answer: unknown;
      const answered = async () => {
        const body = (await (await fetch(`${processor.url}/experiments/${experiment}`)).json()) as ExperimentResults & { breakdowns: BreakdownResults[]; series: SeriesResults[] };
        answer = { ...withoutUpdatedAt([body])[0], breakdowns: withoutUpdatedAt(body.breakdowns), series: withoutUpdatedAt(body.series) };
        return isDeepStrictEqual(sortedEntries(answer), sortedEntries(published()));
      };
      await waitFor(answered, { description: 'the answer equal to the published records', timeoutMs: WAIT_MS, intervalMs: 200 }).catch((error: unknown) => {
        expect(sortedEntries(answer)).toEqual(sortedEntries(published()));
        throw error;
      });
      const body = answer as { variants: Array<{ variant_id: string; unique_views: number; total_clicks: number }>; breakdowns: Array<{ value: string }>; series: Array<{ granularity: string }> };
      expect(body.variants.map((v) => [v.variant_id, v.unique_views, v.total_clicks])).toEqual([
        ['control', 3, 1],
        ['treatment', 3, 2],
      ]);
      expect(body.breakdowns.map((b) => b.value).sort()).toEqual(['Android', 'iOS']);
      expect(body.series.filter((s) => s.granularity === 'hour')).toHaveLength(2);
    } finally {
      await Promise.all([results.stop(), breakdowns.stop(), series.stop()]);
    }

    const streams = processor.live()?.streams;
    await processor.shutdown('test over');
    expect([streams?.currentState, processor.live(), processor.server.listening]).toEqual(['NOT_RUNNING', undefined, false]);
  });

  it('should close what it opened when the start fails (a results schema the registry refuses)', async () => {
    const applicationId = uniqueName('proc');
    const resultsTopic = uniqueName('results');
    // A previous version without experiment_name: the current schema adds it without a default, which BACKWARD refuses.
    await createAvroSerializer(resultsTopic, { ...RESULTS_AVRO_SCHEMA, fields: RESULTS_AVRO_SCHEMA.fields.filter((field) => field.name !== 'experiment_name') }, testStackEnv().schemaRegistryUrl);
    const start = startTestProcessor({ PROCESSOR_APPLICATION_ID: applicationId, EVENTS_TOPIC: uniqueName('events'), RESULTS_TOPIC: resultsTopic, DEFINITIONS_TOPIC: uniqueName('definitions'), REDIS_KEY_PREFIX: `${applicationId}:` });
    await expect(start).rejects.toThrow(IncompatibleSchemaError);
    // Its Redis connection (named after the application id) was open: the start fails after reading the definitions.
    const redis = new Redis(testStackEnv().redisUrl);
    try {
      await waitFor(async () => !String(await redis.client('LIST')).includes(`name=${applicationId} `), { description: `no Redis connection named ${applicationId}`, timeoutMs: 10_000, intervalMs: 100 });
    } finally {
      redis.disconnect();
    }
  });
});

/** Breakdowns and series in a fixed order: the topics give them in arrival order, the query in store order. */
function sortedEntries(snapshot: unknown): unknown {
  const { breakdowns, series, ...rest } = snapshot as { breakdowns: Array<{ dimension: string; value: string }>; series: Array<{ granularity: string; bucket_start: number }> };
  const by = <T>(key: (entry: T) => string) => (a: T, b: T) => key(a).localeCompare(key(b));
  return {
    ...rest,
    breakdowns: [...breakdowns].sort(by((b) => `${b.dimension}|${b.value}`)),
    series: [...series].sort(by((s) => `${s.granularity}|${s.bucket_start}`)),
  };
}

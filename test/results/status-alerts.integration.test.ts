import Redis from 'ioredis';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { waitFor } from '@abtest/local-stack';
import { testKafka, testStackEnv } from '@abtest/test-harness';
import { resultsRecord, type RecordSpec } from './records';
import { connectedProducer, produceJson, readDecisions, startResults, uniqueResultsEnv, waitForOutboxDrained } from './results-helpers';
import { startSlackCapture } from './slack-capture';
import type { ResultsService } from '@abtest/results';

const TWO = [
  { id: 'control', views: 1000, clicks: 100 },
  { id: 'green', views: 1000, clicks: 130 },
];

describe('Results service > Slack alerts and decisions', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let redis: Redis;
  const running: ResultsService[] = [];

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    producer = await connectedProducer(kafka);
    redis = new Redis(testStackEnv().redisUrl);
  });

  afterAll(async () => {
    await Promise.all(running.map((s) => s.close()));
    await producer.disconnect();
    await admin.disconnect();
    redis.disconnect();
  });

  it('should post one Slack message and write one decision per status change, across two instances, a Slack 500 and a restart', async () => {
    const env = uniqueResultsEnv();
    const topic = env.RESULTS_TOPIC as string;
    const prefix = env.REDIS_KEY_PREFIX as string;
    const slack = await startSlackCapture();
    const serviceEnv = { ...env, SLACK_WEBHOOK_URL: slack.url, DASHBOARD_BASE_URL: 'https://results.example.test' };
    const t0 = Date.now() - 60_000;
    let clock = 0;
    const send = (spec: RecordSpec) => produceJson(producer, topic, spec.experimentId, resultsRecord({ ...spec, updatedAt: t0 + ++clock * 1_000 }));
    try {
      // Two instances read every record; each change must still reach Slack and the decisions topic once.
      running.push(await startResults(serviceEnv), await startResults(serviceEnv));
      slack.failNext(1, 500);
      await send({ experimentId: 'exp-x', version: 1, variants: TWO });
      await send({ experimentId: 'exp-x', version: 2, variants: TWO, analysis: { status: 'collecting' } });
      await send({ experimentId: 'exp-x', version: 3, variants: TWO, analysis: { status: 'significant', winner: 'green', lift: 0.3 } });
      await send({ experimentId: 'exp-x', version: 4, variants: TWO, analysis: { status: 'significant', winner: 'green', lift: 0.31 } });
      await send({ experimentId: 'exp-x', version: 5, variants: TWO, analysis: { status: 'invalid_srm' } });
      await send({ experimentId: 'exp-y', version: 1, variants: TWO, analysis: { status: 'collecting' } });
      await send({ experimentId: 'exp-y', version: 2, variants: TWO, analysis: { status: 'significant', loser: 'green', lift: 0.2 } });

      await waitFor(() => slack.delivered().length >= 3, { description: 'three Slack messages', timeoutMs: 20_000 });
      await waitForOutboxDrained(redis, prefix);
      expect(slack.calls.map((c) => c.status)).toEqual([500, 200, 200, 200]);
      const texts = slack.delivered().map((m) => m.text ?? '');
      expect(texts).toEqual(
        expect.arrayContaining([expect.stringMatching(/^:trophy: Winner declared in Experiment exp-x \(exp-x\)$/), expect.stringMatching(/^:warning: Sample ratio mismatch in Experiment exp-x/), expect.stringMatching(/^:bar_chart: Experiment exp-y is now statistically significant/)]),
      );
      expect(texts).toHaveLength(3);
      const winner = slack.delivered().find((m) => m.text?.includes('Winner'));
      expect(winner?.blocks?.[0]?.text?.text).toContain('<https://results.example.test/experiments/exp-x|Open the dashboard>');
      expect(winner?.blocks?.[0]?.text?.text).toContain('lift +30.0%');

      const decisions = await readDecisions(kafka, admin, env.DECISIONS_TOPIC as string);
      expect(decisions.map((d) => [d.experiment_id, d.previous_status, d.status, d.winning_variant_id, d.results_version])).toEqual([
        ['exp-x', 'collecting', 'significant', 'green', 3],
        ['exp-x', 'significant', 'invalid_srm', null, 5],
        ['exp-y', 'collecting', 'significant', null, 2],
      ]);
      expect(decisions[0]).toMatchObject({ metric_id: 'click', relative_lift: { estimate: 0.3, lower: 0.3 - 0.06, upper: 0.3 + 0.06, interval: 'confidence_sequence' }, sequential_p_value_adjusted: 0.004 });

      // Restart: every record is read again from the beginning; nothing is sent twice.
      await Promise.all(running.splice(0).map((s) => s.close()));
      running.push(await startResults(serviceEnv));
      await send({ experimentId: 'exp-y', version: 3, variants: TWO, analysis: { status: 'invalid_srm' } });
      await waitFor(() => slack.delivered().length >= 4, { description: 'the Slack message of the change after the restart', timeoutMs: 20_000 });
      await waitForOutboxDrained(redis, prefix);
      expect(slack.delivered()).toHaveLength(4);
      expect(slack.delivered()[3]?.text).toMatch(/^:warning: Sample ratio mismatch in Experiment exp-y/);
      const after = await readDecisions(kafka, admin, env.DECISIONS_TOPIC as string);
      expect(after).toHaveLength(4);
      expect(after[3]).toMatchObject({ experiment_id: 'exp-y', previous_status: 'significant', status: 'invalid_srm', results_version: 3 });
    } finally {
      await slack.close();
    }
  });
});

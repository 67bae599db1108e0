/**
 * `npm run bench:backfill`: a reprocess (a rebuild of all state from the raw
 * events topic, as a backfill does) while live traffic runs at a steady rate
 * through the same processor instance. Per run: the rebuild's events/s, the
 * live freshness (event received → results record published) before, during
 * and across the handover, and the longest pause in live results at the
 * handover. Several runs, medians. Starts its own local stack unless
 * KAFKA_BROKERS/REDIS_URL are set. Settings: see the README's Benchmark section.
 */
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { DefinitionsWriter } from '@abtest/definitions';
import { generationsTopicOf, reprocess } from '@abtest/generations';
import { createLogger } from '@abtest/observability';
import type { ExperimentResults } from '@abtest/results-contract';
import { startStack, waitFor, type Stack } from '@abtest/local-stack';
// The service as built (dist/, beside dist-bench/): the bench runs it as production does.
import { loadConfig, startProcessor } from '../dist/index';
import { produceRange } from './workloads';

interface Settings {
  events: number;
  persons: number;
  partitions: number;
  liveRate: number;
  runs: number;
  /** REBUILD_MAX_EVENTS_PER_SECOND of the processor; its default when unset. */
  rebuildRate: number | undefined;
}

function settings(env = process.env): Settings {
  return {
    events: Number(env.BENCH_EVENTS ?? 200_000),
    persons: Number(env.BENCH_PERSONS ?? 50_000),
    partitions: Number(env.BENCH_PARTITIONS ?? 4),
    liveRate: Number(env.BENCH_RATE ?? 5_000),
    runs: Number(env.BENCH_RUNS ?? 3),
    rebuildRate: env.BENCH_REBUILD_RATE === undefined ? undefined : Number(env.BENCH_REBUILD_RATE),
  };
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const median = (values: number[]): number => percentile(values, 50);

interface RunResult {
  run: number;
  historyEvents: number;
  /** Raw events the rebuild read per second, from its first progress to catching up. */
  backfillEventsPerSecond: number;
  backfillSeconds: number;
  liveEventsDuringBackfill: number;
  freshnessBeforeP99Ms: number;
  freshnessDuringP50Ms: number;
  freshnessDuringP99Ms: number;
  /** Longest time without a live results record around the handover. */
  handoverPauseMs: number;
  freshnessAfterP99Ms: number;
}

async function runOnce(stack: Stack, kafka: Kafka, admin: Admin, producer: Producer, s: Settings, index: number): Promise<RunResult> {
  const run = `bench-backfill-${index}-${Date.now()}`;
  const env = {
    KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    REDIS_URL: stack.redisUrl,
    PROCESSOR_APPLICATION_ID: run,
    EVENTS_TOPIC: `${run}-events`,
    RESULTS_TOPIC: `${run}-results`,
    DEFINITIONS_TOPIC: `${run}-definitions`,
    REDIS_KEY_PREFIX: `${run}:`,
    PROCESSOR_PORT: '0',
    LOG_LEVEL: 'silent',
    ...(s.rebuildRate === undefined ? {} : { REBUILD_MAX_EVENTS_PER_SECOND: String(s.rebuildRate) }),
  };
  const config = loadConfig(env);
  await admin.createTopics({ topics: [{ topic: config.eventsTopic, numPartitions: s.partitions }], waitForLeaders: true });
  await new DefinitionsWriter(kafka, config.definitionsTopic).ensureTopic();
  await produceRange(producer, config.eventsTopic, 0, s.events, s.persons, run);
  const processor = await startProcessor(config, { logger: createLogger({ name: 'processor', level: 'silent' }), exit: () => undefined });

  // Live results: events counted, and per record its freshness, the time and whether a rebuild was running.
  const counted = new Map<string, number>();
  const samples: Array<{ at: number; freshness: number; rebuilding: boolean }> = [];
  let liveFrom = Number.POSITIVE_INFINITY;
  const consumer = kafka.consumer({ groupId: `${run}-reader`, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic: config.resultsTopic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const record = JSON.parse(String(message.value)) as ExperimentResults;
      counted.set(record.experiment_id, record.variants.reduce((sum, v) => sum + v.total_views + v.total_clicks, 0));
      const at = Date.now();
      if (record.last_event_received_at > liveFrom) samples.push({ at, freshness: at - record.last_event_received_at, rebuilding: record.backfill !== null });
    },
  });
  const total = () => [...counted.values()].reduce((sum, n) => sum + n, 0);
  await waitFor(() => total() >= s.events, { description: 'the history counted by the live generation', timeoutMs: 600_000, intervalMs: 50 });

  // Live traffic at a steady rate until stopped, a tick every 100 ms.
  let produced = s.events;
  let live = true;
  liveFrom = Date.now();
  const perTick = Math.max(1, Math.round(s.liveRate / 10));
  const traffic = (async () => {
    while (live) {
      const tickStart = Date.now();
      await produceRange(producer, config.eventsTopic, produced, produced + perTick, s.persons, run);
      produced += perTick;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 100 - (Date.now() - tickStart))));
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const progress: Array<{ at: number; read: number }> = [];
  const requestedAt = Date.now();
  await reprocess({
    kafka,
    logger: createLogger({ name: 'bench', level: 'silent' }),
    topic: generationsTopicOf(run),
    eventsTopic: config.eventsTopic,
    reason: 'bench',
    pollMs: 200,
    onProgress: ({ phase, progress: p }) => void (phase === 'building' && p && p.events_read > 0 && progress.push({ at: Date.now(), read: p.events_read })),
  });
  const liveAt = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  live = false;
  await traffic;
  await waitFor(() => total() >= produced, { description: 'every event counted after the handover', timeoutMs: 120_000, intervalMs: 50 });
  await consumer.disconnect();
  await processor.shutdown('bench over');

  const first = progress[0];
  const last = progress.at(-1);
  const during = samples.filter((x) => x.rebuilding && x.at <= liveAt).map((x) => x.freshness);
  const before = samples.filter((x) => x.at < requestedAt).map((x) => x.freshness);
  const after = samples.filter((x) => x.at > liveAt + 1_000).map((x) => x.freshness);
  const around = samples.filter((x) => x.at >= requestedAt).map((x) => x.at);
  const gaps = around.slice(1).map((at, i) => at - (around[i] as number));
  return {
    run: index + 1,
    historyEvents: s.events,
    backfillEventsPerSecond: first && last && last.at > first.at ? Math.round((last.read - first.read) / ((last.at - first.at) / 1_000)) : NaN,
    backfillSeconds: Number(((liveAt - requestedAt) / 1_000).toFixed(1)),
    liveEventsDuringBackfill: Math.round(((liveAt - requestedAt) / 1_000) * s.liveRate),
    freshnessBeforeP99Ms: percentile(before, 99),
    freshnessDuringP50Ms: percentile(during, 50),
    freshnessDuringP99Ms: percentile(during, 99),
    handoverPauseMs: Math.max(0, ...gaps),
    freshnessAfterP99Ms: percentile(after, 99),
  };
}

async function main(): Promise<void> {
  const s = settings();
  const stack = await startStack({ log: (m) => process.stderr.write(`[stack] ${m}\n`) });
  const kafka = new Kafka({ brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true });
  try {
    await Promise.all([admin.connect(), producer.connect()]);
    const results: RunResult[] = [];
    for (let index = 0; index < s.runs; index++) {
      const result = await runOnce(stack, kafka, admin, producer, s, index);
      process.stderr.write(`${JSON.stringify(result)}\n`);
      results.push(result);
    }
    const figures = ['backfillEventsPerSecond', 'backfillSeconds', 'freshnessBeforeP99Ms', 'freshnessDuringP50Ms', 'freshnessDuringP99Ms', 'handoverPauseMs', 'freshnessAfterP99Ms'] as const;
    process.stdout.write(
      `${JSON.stringify({ partitions: s.partitions, historyEvents: s.events, liveRate: s.liveRate, rebuildRate: s.rebuildRate ?? 'default', runs: results.length, median: Object.fromEntries(figures.map((f) => [f, median(results.map((r) => r[f]))])), perRun: Object.fromEntries(figures.map((f) => [f, results.map((r) => r[f])])) })}\n`,
    );
  } finally {
    await Promise.all([producer.disconnect(), admin.disconnect()]);
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

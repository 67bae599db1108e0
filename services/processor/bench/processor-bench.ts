/**
 * `npm run bench:processor`: throughput of the experiment topology with
 * exactly-once on (events/s and CPU µs per event through one instance, from
 * a pre-filled topic), commit durations, and freshness (event received →
 * results record readable) at a steady rate. Each workload runs several
 * times and is summarized by medians. Starts its own local stack unless
 * KAFKA_BROKERS/REDIS_URL are set. Settings: see the README's Benchmark section.
 */
import { mkdirSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Redis from 'ioredis';
import { DefinitionsCatalog } from '@abtest/definitions';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { buildExperimentTopology } from '@abtest/experiments';
import { resultsTopics, type ExperimentResults } from '@abtest/results-contract';
import { startStack, waitFor } from '@abtest/local-stack';
import { KafkaStreams, type Logger } from '@abtest/streams';
import { createMetricsRegistry } from '@abtest/observability';
import { startProfiling, type ProfileSummary } from './profile';
import { produceRange, workload, WORKLOAD_NAMES, type Workload } from './workloads';

const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

interface Settings {
  events: number;
  persons: number;
  partitions: number;
  steadyRate: number;
  steadySeconds: number;
  /** The processor service's default (COMMIT_INTERVAL_MS). */
  commitIntervalMs: number;
  runs: number;
  workloads: Workload[];
  /** Profile each run's measured window into this directory (profiling costs CPU: such runs measure the profile, not the processor). */
  profileDir: string | undefined;
}

function settings(env = process.env): Settings {
  const events = Number(env.BENCH_EVENTS ?? 200_000);
  const persons = Number(env.BENCH_PERSONS ?? 50_000);
  const names = env.BENCH_WORKLOADS === 'all' ? [...WORKLOAD_NAMES] : (env.BENCH_WORKLOADS ?? 'mixed').split(',');
  return {
    events,
    persons,
    partitions: Number(env.BENCH_PARTITIONS ?? 4),
    steadyRate: Number(env.BENCH_RATE ?? 5_000),
    steadySeconds: Number(env.BENCH_SECONDS ?? 10),
    commitIntervalMs: Number(env.BENCH_COMMIT_INTERVAL_MS ?? 250),
    runs: Number(env.BENCH_RUNS ?? 3),
    workloads: names.map((name) => workload(name.trim(), events, persons)),
    profileDir: env.BENCH_PROFILE,
  };
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

interface CommitStats {
  commits: number;
  meanCommitMs: number;
  /** Upper bound of the histogram bucket holding the 99th percentile. */
  p99CommitMs: number;
}

async function commitStats(registry: ReturnType<typeof createMetricsRegistry>): Promise<CommitStats> {
  const values = (await registry.getSingleMetric('streams_commit_duration_seconds')?.get())?.values ?? [];
  const named = (suffix: string) => values.filter((v) => 'metricName' in v && v.metricName === `streams_commit_duration_seconds${suffix}`);
  const count = named('_count')[0]?.value ?? 0;
  const sum = named('_sum')[0]?.value ?? 0;
  const p99 = named('_bucket').find((b) => b.value >= 0.99 * count)?.labels.le;
  return { commits: count, meanCommitMs: Math.round((sum / Math.max(1, count)) * 1000), p99CommitMs: p99 === undefined || p99 === '+Inf' ? Number.POSITIVE_INFINITY : Math.round(Number(p99) * 1000) };
}

interface RunResult extends CommitStats {
  workload: string;
  run: number;
  events: number;
  persons: number;
  seconds: number;
  eventsPerSecond: number;
  cpuMicrosPerEvent: number;
  startupSeconds: number;
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
  freshnessSamples: number;
  freshnessP50Ms: number;
  freshnessP99Ms: number;
  internalRecords: Record<string, number>;
  profile?: ProfileSummary;
}

/** One run: a fresh application (topics, group, Redis prefix) over a topic filled with the workload. */
async function runOnce(kafka: Kafka, admin: Admin, producer: Producer, redis: Redis, s: Settings, load: Workload, index: number): Promise<RunResult> {
  const run = `bench-${load.name}-${index}-${Date.now()}`;
  const eventsTopic = `${run}-events`;
  const resultsTopic = `${run}-results`;
  await admin.createTopics({ topics: [eventsTopic, ...Object.values(resultsTopics(resultsTopic))].map((topic) => ({ topic, numPartitions: s.partitions })), waitForLeaders: true });
  await produceRange(producer, eventsTopic, 0, load.events, load.persons, run);

  const registry = createMetricsRegistry({ collectDefaultMetrics: false });
  const topology = buildExperimentTopology({ applicationId: run, eventsTopic, resultsTopic, definitions: new DefinitionsCatalog() });
  const streams = new KafkaStreams(topology, { kafka, redis, logger: silent, keyPrefix: `${run}:`, commitIntervalMs: s.commitIntervalMs, metrics: registry });
  const processed = async () => {
    const metric = await registry.getSingleMetric('streams_records_processed_total')?.get();
    return metric?.values.find((v) => v.labels.subtopology === '0')?.value ?? 0;
  };
  // Views and clicks counted in the published (committed) results, and freshness at the steady rate later on.
  const counted = new Map<string, number>();
  const freshness: number[] = [];
  let steadyStart = Number.POSITIVE_INFINITY;
  const consumer = kafka.consumer({ groupId: `${run}-reader`, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic: resultsTopic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const record = JSON.parse(String(message.value)) as ExperimentResults;
      counted.set(record.experiment_id, record.variants.reduce((sum, v) => sum + v.total_views + v.total_clicks, 0));
      if (record.last_event_received_at > steadyStart) freshness.push(Date.now() - record.last_event_received_at);
    },
  });
  const started = performance.now();
  await streams.start();
  await waitFor(() => streams.isReady(), { description: 'tasks restored', timeoutMs: 120_000, intervalMs: 10 });
  // Throughput: from readiness (group joined, tasks initialized) until the published results count every event,
  // i.e. everything processed, committed (exactly once) and through both sub-topologies.
  const stopProfiling = s.profileDir === undefined ? undefined : await startProfiling(s.profileDir, run);
  // Event-loop delay: every round trip of a commit (Kafka, Redis) waits this long for its turn on the loop.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const [readyAt, processedAtReady, cpuAtReady] = [performance.now(), await processed(), process.cpuUsage()];
  const total = () => [...counted.values()].reduce((sum, n) => sum + n, 0);
  await waitFor(() => total() >= load.events, { description: `${load.events} events in the published results`, timeoutMs: 600_000, intervalMs: 20 });
  const seconds = (performance.now() - readyAt) / 1_000;
  // CPU of this process (all its threads, GC included) per event: less noisy than the rate on a shared machine.
  const cpu = process.cpuUsage(cpuAtReady);
  loopDelay.disable();
  const profile = await stopProfiling?.();
  const commits = await commitStats(registry);

  // What one event cost in Kafka writes: records per internal topic (changelog records include transaction markers).
  const internal = (await admin.listTopics()).filter((t) => t.startsWith(`${run}-`) && (t.endsWith('-changelog') || t.endsWith('-repartition')));
  const internalRecords: Record<string, number> = {};
  for (const topic of internal) internalRecords[topic.slice(run.length + 1)] = (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);

  // Freshness at a steady rate: results records carry the receivedAt of the newest event they include.
  steadyStart = Date.now();
  const perTick = Math.max(1, Math.round(s.steadyRate / 10));
  for (let tick = 0; tick < s.steadySeconds * 10; tick++) {
    const tickStart = Date.now();
    await produceRange(producer, eventsTopic, load.events + tick * perTick, load.events + (tick + 1) * perTick, load.persons, run);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 100 - (Date.now() - tickStart))));
  }
  const steadyEvents = s.steadySeconds * 10 * perTick;
  await waitFor(() => total() >= load.events + steadyEvents, { description: 'the steady-rate events in the published results', timeoutMs: 120_000, intervalMs: 20 });
  await consumer.disconnect();
  await streams.close();
  const sorted = [...freshness].sort((a, b) => a - b);
  const events = load.events - processedAtReady;
  return {
    workload: load.name,
    run: index + 1,
    events: load.events,
    persons: load.persons,
    seconds: Number(seconds.toFixed(2)),
    eventsPerSecond: Math.round(events / seconds),
    cpuMicrosPerEvent: Number(((cpu.user + cpu.system) / events).toFixed(1)),
    startupSeconds: Number(((readyAt - started) / 1_000).toFixed(2)),
    ...commits,
    loopDelayP50Ms: Math.round(loopDelay.percentile(50) / 1e6),
    loopDelayP99Ms: Math.round(loopDelay.percentile(99) / 1e6),
    freshnessSamples: sorted.length,
    freshnessP50Ms: percentile(sorted, 50),
    freshnessP99Ms: percentile(sorted, 99),
    internalRecords,
    ...(profile ? { profile } : {}),
  };
}

/** Medians of a workload's runs, with every run's figures (the spread on a shared machine is large). */
function summary(results: RunResult[]): Record<string, unknown> {
  const figures = ['eventsPerSecond', 'cpuMicrosPerEvent', 'meanCommitMs', 'p99CommitMs', 'loopDelayP99Ms', 'freshnessP50Ms', 'freshnessP99Ms'] as const;
  return {
    workload: results[0]?.workload,
    events: results[0]?.events,
    persons: results[0]?.persons,
    runs: results.length,
    median: Object.fromEntries(figures.map((f) => [f, median(results.map((r) => r[f]))])),
    perRun: Object.fromEntries(figures.map((f) => [f, results.map((r) => r[f])])),
  };
}

async function main(): Promise<void> {
  const s = settings();
  if (s.profileDir !== undefined) mkdirSync(s.profileDir, { recursive: true });
  const stack = await startStack({ log: (m) => process.stderr.write(`[stack] ${m}\n`) });
  const kafka = new Kafka({ brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING });
  const redis = new Redis(stack.redisUrl);
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true });
  try {
    await admin.connect();
    await producer.connect();
    for (const load of s.workloads) {
      const results: RunResult[] = [];
      for (let index = 0; index < s.runs; index++) {
        const result = await runOnce(kafka, admin, producer, redis, s, load, index);
        process.stderr.write(`${JSON.stringify(result)}\n`);
        results.push(result);
      }
      process.stdout.write(`${JSON.stringify({ partitions: s.partitions, commitIntervalMs: s.commitIntervalMs, steadyRate: s.steadyRate, profiled: s.profileDir !== undefined, ...summary(results) })}\n`);
    }
  } finally {
    await producer.disconnect();
    await admin.disconnect();
    redis.disconnect();
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

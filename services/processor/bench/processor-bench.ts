/**
 * `npm run bench:processor`: throughput of the experiment topology with
 * exactly-once on (events/s through one instance, from a pre-filled topic)
 * and freshness (event received → results record readable) at a steady
 * rate. Starts its own local stack unless KAFKA_BROKERS/REDIS_URL are set.
 */
import Redis from 'ioredis';
import { DefinitionsCatalog } from '@abtest/definitions';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { buildExperimentTopology } from '@abtest/experiments';
import { resultsTopics, type ExperimentResults } from '@abtest/results-contract';
import { startStack, waitFor } from '@abtest/local-stack';
import { KafkaStreams, type Logger } from '@abtest/streams';
import { createMetricsRegistry } from '@abtest/observability';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 4);
/** Persons the events cycle through: events per person decides how many events change state (first view, first click). */
const PERSONS = Number(process.env.BENCH_PERSONS ?? 50_000);
const STEADY_RATE = Number(process.env.BENCH_RATE ?? 5_000);
const STEADY_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** The processor service's default (COMMIT_INTERVAL_MS). */
const COMMIT_INTERVAL_MS = Number(process.env.BENCH_COMMIT_INTERVAL_MS ?? 250);
const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function event(i: number, run: string): { key: string; value: string } {
  const person = `p-${i % PERSONS}`;
  const experiment = `exp-${i % 10}`;
  const kind = i % 3 === 0 ? 'Experiment Clicked' : 'Experiment Viewed';
  const value = { type: 'track', event: kind, anonymousId: person, messageId: `${run}-${i}`, receivedAt: new Date().toISOString(), timestamp: new Date().toISOString(), properties: { experiment_id: experiment, variation_id: `v${i % 2}` } };
  return { key: person, value: JSON.stringify(value) };
}

async function produceRange(producer: Producer, topic: string, from: number, to: number, run: string): Promise<void> {
  for (let start = from; start < to; start += 2_000) {
    const messages = [];
    for (let i = start; i < Math.min(to, start + 2_000); i++) messages.push(event(i, run));
    await producer.send({ topic, acks: -1, messages });
  }
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function main(): Promise<void> {
  const stack = await startStack({ log: (m) => process.stderr.write(`[stack] ${m}\n`) });
  const run = `bench-${Date.now()}`;
  const kafka = new Kafka({ brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING });
  const redis = new Redis(stack.redisUrl);
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true });
  try {
    await admin.connect();
    await producer.connect();
    const eventsTopic = `${run}-events`;
    const resultsTopic = `${run}-results`;
    await admin.createTopics({ topics: [eventsTopic, ...Object.values(resultsTopics(resultsTopic))].map((topic) => ({ topic, numPartitions: PARTITIONS })), waitForLeaders: true });
    await produceRange(producer, eventsTopic, 0, EVENTS, run);

    const registry = createMetricsRegistry({ collectDefaultMetrics: false });
    const topology = buildExperimentTopology({ applicationId: run, eventsTopic, resultsTopic, definitions: new DefinitionsCatalog() });
    const streams = new KafkaStreams(topology, { kafka, redis, logger: silent, keyPrefix: `${run}:`, commitIntervalMs: COMMIT_INTERVAL_MS, metrics: registry });
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
    const [readyAt, processedAtReady, cpuAtReady] = [performance.now(), await processed(), process.cpuUsage()];
    const total = () => [...counted.values()].reduce((sum, n) => sum + n, 0);
    await waitFor(() => total() >= EVENTS, { description: `${EVENTS} events in the published results`, timeoutMs: 600_000, intervalMs: 20 });
    const seconds = (performance.now() - readyAt) / 1_000;
    // CPU of this process (all its threads, GC included) per event: less noisy than the rate on a shared machine.
    const cpu = process.cpuUsage(cpuAtReady);
    const cpuMicrosPerEvent = (cpu.user + cpu.system) / (EVENTS - processedAtReady);
    const startupSeconds = (readyAt - started) / 1_000;
    const commitStats = (await registry.getSingleMetric('streams_commit_duration_seconds')?.get())?.values ?? [];
    const commitSum = commitStats.find((v) => 'metricName' in v && v.metricName === 'streams_commit_duration_seconds_sum')?.value ?? 0;
    const commitCount = commitStats.find((v) => 'metricName' in v && v.metricName === 'streams_commit_duration_seconds_count')?.value ?? 0;

    // What one event cost in Kafka writes: records per internal topic (changelog records include transaction markers).
    const internal = (await admin.listTopics()).filter((t) => t.startsWith(`${run}-`) && (t.endsWith('-changelog') || t.endsWith('-repartition')));
    const internalRecords: Record<string, number> = {};
    for (const topic of internal) internalRecords[topic.slice(run.length + 1)] = (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);

    // Freshness at a steady rate: results records carry the receivedAt of the newest event they include.
    steadyStart = Date.now();
    const perTick = Math.max(1, Math.round(STEADY_RATE / 10));
    for (let tick = 0; tick < STEADY_SECONDS * 10; tick++) {
      const tickStart = Date.now();
      await produceRange(producer, eventsTopic, EVENTS + tick * perTick, EVENTS + (tick + 1) * perTick, run);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 100 - (Date.now() - tickStart))));
    }
    const steadyEvents = STEADY_SECONDS * 10 * perTick;
    await waitFor(() => total() >= EVENTS + steadyEvents, { description: 'the steady-rate events in the published results', timeoutMs: 120_000, intervalMs: 20 });
    await consumer.disconnect();
    await streams.close();
    const sorted = [...freshness].sort((a, b) => a - b);
    process.stdout.write(
      `${JSON.stringify({ events: EVENTS, persons: PERSONS, partitions: PARTITIONS, seconds: Number(seconds.toFixed(2)), eventsPerSecond: Math.round((EVENTS - processedAtReady) / seconds), cpuMicrosPerEvent: Number(cpuMicrosPerEvent.toFixed(1)), startupSeconds: Number(startupSeconds.toFixed(2)), commitIntervalMs: COMMIT_INTERVAL_MS, commits: commitCount, meanCommitMs: Math.round((commitSum / Math.max(1, commitCount)) * 1000), steadyRate: STEADY_RATE, freshnessSamples: sorted.length, freshnessP50Ms: percentile(sorted, 50), freshnessP99Ms: percentile(sorted, 99), internalRecords })}\n`,
    );
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

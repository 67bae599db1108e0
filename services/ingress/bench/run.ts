import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'undici';
import { ManagedProcess, getFreePort, startKafka, waitFor, type KafkaHandle } from '@abtest/local-stack';
import { LIMIT_RECORD_BYTES, brokerLimit } from './broker-limit';
import { cpuPerEvent, sampleCpu } from './cpu';
import { closedLoop, openLoop, quantile, type LoadResult, type LoadTarget, type Workload } from './load';
import { medians, type RunSummary } from './medians';
import { batchOf, singleEvents } from './workloads';

/**
 * `npm run bench -w @abtest/ingress [-- --runs 3 --concurrency 64 --duration 10]`:
 * events/s, CPU per event and time-to-ack (p50/p99) of the ingress, built and
 * run as a child process like production, against a local broker (or
 * KAFKA_BROKERS). Each workload runs at full capacity (closed loop), then at
 * half of the measured rate (open loop) for latency; the whole sequence runs
 * `--runs` times and the summary gives each figure's median with every run's
 * value. `--broker-limit` also measures, in each run, what the broker takes
 * from Kafka's own Java producer. Prints one JSON summary on stdout.
 */
const USAGE = 'usage: bench [--runs N] [--concurrency N] [--duration SECONDS] [--warmup SECONDS] [--workloads single,batch-100,batch-1000] [--broker-limit] [--profile DIR] [--heap-profile DIR] [--ingress-node-options "--max-semi-space-size=64"]';
const WRITE_KEY = 'bench-write-key';
const MAIN = resolve(__dirname, '..', 'dist', 'main.js');

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

interface Options {
  runs: number;
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  workloads: Workload[];
  /** Measure the broker's limit with ProducerPerformance in each run. */
  brokerLimit: boolean;
  /** Write V8 CPU profiles of the ingress (both threads) into this directory. */
  profileDir: string | undefined;
  /** Write V8 sampling heap (allocation) profiles of the ingress (both threads) into this directory. */
  heapProfileDir: string | undefined;
  /** NODE_OPTIONS of the ingress alone (not of the load generator), e.g. V8 heap settings to compare. */
  ingressNodeOptions: string | undefined;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '3' },
      concurrency: { type: 'string', default: '64' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      workloads: { type: 'string', default: 'single,batch-100,batch-1000' },
      'broker-limit': { type: 'boolean', default: false },
      profile: { type: 'string' },
      'heap-profile': { type: 'string' },
      'ingress-node-options': { type: 'string' },
    },
  });
  const number = (name: string, value: string) => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive number. ${USAGE}`);
    return parsed;
  };
  const known: Record<string, () => Workload> = { single: singleEvents, 'batch-100': () => batchOf(100), 'batch-1000': () => batchOf(1_000) };
  const workloads = values.workloads.split(',').map((name) => {
    const make = known[name.trim()];
    if (!make) throw new Error(`unknown workload ${name}. ${USAGE}`);
    return make();
  });
  return {
    runs: Math.round(number('runs', values.runs)),
    brokerLimit: values['broker-limit'],
    concurrency: number('concurrency', values.concurrency),
    durationMs: number('duration', values.duration) * 1_000, warmupMs: number('warmup', values.warmup) * 1_000,
    workloads,
    profileDir: values.profile && resolve(values.profile),
    heapProfileDir: values['heap-profile'] && resolve(values['heap-profile']),
    ingressNodeOptions: values['ingress-node-options'],
  };
}

function summary(workload: Workload, mode: string, result: LoadResult, cpuMicrosPerEvent: Record<string, number | undefined>): RunSummary {
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    workload: workload.name,
    mode,
    eventsPerRequest: workload.eventsPerRequest,
    requestsPerSecond: Math.round(result.requests / result.seconds),
    eventsPerSecond: Math.round(result.events / result.seconds),
    timeToAckMs: { p50: round(quantile(result.latenciesMs, 0.5)), p90: round(quantile(result.latenciesMs, 0.9)), p99: round(quantile(result.latenciesMs, 0.99)), max: round(quantile(result.latenciesMs, 1)) },
    acknowledgedEvents: result.events,
    statuses: result.statuses,
    cpuMicrosPerEvent,
  };
}

async function main(): Promise<void> {
  const opts = options();
  const workDir = mkdtempSync(join(tmpdir(), 'ingress-bench-'));
  let broker: KafkaHandle | undefined;
  let ingress: ManagedProcess | undefined;
  let pool: Pool | undefined;
  try {
    const brokers = process.env.KAFKA_BROKERS?.split(',') ?? (broker = await startKafka({ workDir, log })).brokers;
    const topic = `bench-events-${Date.now()}`;
    const port = await getFreePort();
    ingress = ManagedProcess.start({
      name: 'ingress',
      command: process.execPath,
      // `--flag=value` forms: the producer thread takes these flags over from the process' own (ThreadedProducer).
      args: [...(opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : []), ...(opts.heapProfileDir ? ['--heap-prof', `--heap-prof-dir=${opts.heapProfileDir}`] : []), MAIN],
      env: {
        ...process.env,
        ...(opts.ingressNodeOptions === undefined ? {} : { NODE_OPTIONS: opts.ingressNodeOptions }),
        KAFKA_BROKERS: brokers.join(','),
        INGRESS_MODE: 'production',
        INGRESS_SOURCES: JSON.stringify([{ name: 'bench', writeKeys: [WRITE_KEY] }]),
        INGRESS_HOST: '127.0.0.1',
        INGRESS_PORT: String(port),
        INGRESS_TOPIC: topic,
        INGRESS_DEAD_LETTER_TOPIC: `${topic}-dead-letter`,
        LOG_LEVEL: 'warn',
      },
      logFile: join(workDir, 'ingress.log'),
    });
    const ingressPid = ingress.pid;
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, { description: 'the ingress to be ready', timeoutMs: 60_000, intervalMs: 200 });
    log(`ingress ready at ${url}, writing to ${topic} on ${brokers.join(',')}`);

    pool = new Pool(url, { connections: opts.concurrency, pipelining: 1 });
    const target: LoadTarget = { pool, headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` } };
    const brokerPid = broker?.process.pid;
    const loadAverageAtStart = loadavg()[0];
    const runs: RunSummary[][] = [];
    const limits: number[] = [];
    const warmUpStatuses: Record<string, Record<string, number>>[] = [];
    let acknowledged = 0;
    for (let run = 1; run <= opts.runs; run += 1) {
      const results: RunSummary[] = [];
      const warmUps: Record<string, Record<string, number>> = {};
      if (opts.brokerLimit) {
        log(`run ${run}: broker limit (ProducerPerformance, ${LIMIT_RECORD_BYTES}-byte records, acks=all, idempotent)`);
        limits.push(await brokerLimit(brokers, `${topic}-limit-${run}`));
        log(`run ${run}: broker limit ${Math.round(limits[limits.length - 1] ?? 0)} records/s`);
      }
      for (const workload of opts.workloads) {
        log(`run ${run}, ${workload.name}: warm-up ${opts.warmupMs} ms`);
        const warmUp = await closedLoop(target, workload, opts.concurrency, opts.warmupMs);
        acknowledged += warmUp.events;
        warmUps[workload.name] = warmUp.statuses;
        log(`run ${run}, ${workload.name}: full load, ${opts.concurrency} concurrent requests, ${opts.durationMs} ms`);
        const beforeFull = await sampleCpu(url, ingressPid, brokerPid);
        const full = await closedLoop(target, workload, opts.concurrency, opts.durationMs);
        results.push(summary(workload, 'capacity', full, cpuPerEvent(beforeFull, await sampleCpu(url, ingressPid, brokerPid), full.events)));
        const halfRate = full.requests / full.seconds / 2;
        log(`run ${run}, ${workload.name}: half load, ${Math.round(halfRate)} requests/s, ${opts.durationMs} ms`);
        const beforeHalf = await sampleCpu(url, ingressPid, brokerPid);
        const half = await openLoop(target, workload, halfRate, opts.durationMs, opts.concurrency * 4);
        results.push(summary(workload, 'half-load', half, cpuPerEvent(beforeHalf, await sampleCpu(url, ingressPid, brokerPid), half.events)));
        acknowledged += full.events + half.events;
      }
      runs.push(results);
      warmUpStatuses.push(warmUps);
    }

    const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const written = (await admin.fetchTopicOffsets(topic)).reduce((sum, partition) => sum + Number(partition.high), 0);
    await admin.disconnect();
    const disk = broker ? topicDiskBytes(join(workDir, 'kafka-data'), topic) : undefined;
    const output = {
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version, loadAverageAtStart, loadAverageAtEnd: loadavg()[0] },
      setup: { ingressNodeOptions: opts.ingressNodeOptions ?? process.env.NODE_OPTIONS ?? '', runs: opts.runs, concurrency: opts.concurrency, durationSeconds: opts.durationMs / 1_000, broker: broker ? 'local, started by the bench' : 'KAFKA_BROKERS' },
      medians: medians(runs, limits),
      ...(limits.length > 0 ? { brokerLimit: { recordBytes: LIMIT_RECORD_BYTES, recordsPerSecond: limits.map(Math.round) } } : {}),
      runs,
      warmUpStatuses,
      check: { acknowledgedEvents: acknowledged, recordsInTopic: written, allAcknowledgedWritten: written >= acknowledged, duplicates: written - acknowledged },
      // What the raw topic's retention costs: log segments and indexes of one replica, as the ingress writes them (uncompressed).
      ...(disk !== undefined && written > 0 ? { brokerDisk: { bytes: disk, bytesPerEvent: Math.round(disk / written), gigabytesPerMillionEvents: Number(((disk / written) * 1e6 / 1e9).toFixed(3)) } } : {}),
    };
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  } finally {
    await pool?.close();
    await ingress?.stop();
    await broker?.stop();
    if (process.env.BENCH_KEEP_WORKDIR) log(`work dir kept: ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

/** Bytes of a topic's partition directories in a broker's data directory (preallocated index files count at their size on disk). */
function topicDiskBytes(dataDir: string, topic: string): number {
  if (!existsSync(dataDir)) return 0;
  let bytes = 0;
  for (const entry of readdirSync(dataDir)) {
    if (!entry.startsWith(`${topic}-`) || !/^\d+$/.test(entry.slice(topic.length + 1))) continue;
    for (const file of readdirSync(join(dataDir, entry))) bytes += statSync(join(dataDir, entry, file)).blocks * 512;
  }
  return bytes;
}


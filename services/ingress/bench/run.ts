import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'undici';
import { ManagedProcess, getFreePort, startKafka, waitFor, type KafkaHandle } from '@abtest/local-stack';
import { cpuPerEvent, sampleCpu } from './cpu';
import { closedLoop, openLoop, quantile, type LoadResult, type LoadTarget, type Workload } from './load';
import { batchOf, singleEvents } from './workloads';

/**
 * `npm run bench -w @abtest/ingress [-- --concurrency 64 --duration 10]`:
 * events/s and time-to-ack (p50/p99) of the ingress, built and run as a child
 * process like production, against a local broker (or KAFKA_BROKERS). Each
 * workload runs at full capacity (closed loop), then at half of the measured
 * rate (open loop) for latency. Prints one JSON summary on stdout.
 */
const USAGE = 'usage: bench [--concurrency N] [--duration SECONDS] [--warmup SECONDS] [--workloads single,batch-100,batch-1000] [--profile DIR]';
const WRITE_KEY = 'bench-write-key';
const MAIN = resolve(__dirname, '..', 'dist', 'main.js');

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

interface Options {
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  workloads: Workload[];
  /** Write a V8 CPU profile of the ingress into this directory. */
  profileDir: string | undefined;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      concurrency: { type: 'string', default: '64' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      workloads: { type: 'string', default: 'single,batch-100,batch-1000' },
      profile: { type: 'string' },
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
  return { concurrency: number('concurrency', values.concurrency), durationMs: number('duration', values.duration) * 1_000, warmupMs: number('warmup', values.warmup) * 1_000, workloads, profileDir: values.profile && resolve(values.profile) };
}

function summary(workload: Workload, mode: string, result: LoadResult, cpuMicrosPerEvent: Record<string, number | undefined>) {
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
      args: [...(opts.profileDir ? ['--cpu-prof', '--cpu-prof-dir', opts.profileDir] : []), MAIN],
      env: {
        ...process.env,
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
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, { description: 'the ingress to be ready', timeoutMs: 60_000, intervalMs: 200 });
    log(`ingress ready at ${url}, writing to ${topic} on ${brokers.join(',')}`);

    pool = new Pool(url, { connections: opts.concurrency, pipelining: 1 });
    const target: LoadTarget = { pool, headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` } };
    const brokerPid = broker?.process.pid;
    const loadAverageAtStart = loadavg()[0];
    const results = [];
    const warmUpStatuses: Record<string, Record<string, number>> = {};
    let acknowledged = 0;
    for (const workload of opts.workloads) {
      log(`${workload.name}: warm-up ${opts.warmupMs} ms`);
      const warmUp = await closedLoop(target, workload, opts.concurrency, opts.warmupMs);
      acknowledged += warmUp.events;
      warmUpStatuses[workload.name] = warmUp.statuses;
      log(`${workload.name}: full load, ${opts.concurrency} concurrent requests, ${opts.durationMs} ms`);
      const beforeFull = await sampleCpu(url, brokerPid);
      const full = await closedLoop(target, workload, opts.concurrency, opts.durationMs);
      results.push(summary(workload, 'capacity', full, cpuPerEvent(beforeFull, await sampleCpu(url, brokerPid), full.events)));
      const halfRate = full.requests / full.seconds / 2;
      log(`${workload.name}: half load, ${Math.round(halfRate)} requests/s, ${opts.durationMs} ms`);
      const beforeHalf = await sampleCpu(url, brokerPid);
      const half = await openLoop(target, workload, halfRate, opts.durationMs, opts.concurrency * 4);
      results.push(summary(workload, 'half-load', half, cpuPerEvent(beforeHalf, await sampleCpu(url, brokerPid), half.events)));
      acknowledged += full.events + half.events;
    }

    const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const written = (await admin.fetchTopicOffsets(topic)).reduce((sum, partition) => sum + Number(partition.high), 0);
    await admin.disconnect();
    const output = {
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version, loadAverageAtStart, loadAverageAtEnd: loadavg()[0] },
      setup: { concurrency: opts.concurrency, durationSeconds: opts.durationMs / 1_000, broker: broker ? 'local, started by the bench' : 'KAFKA_BROKERS' },
      results,
      warmUpStatuses,
      check: { acknowledgedEvents: acknowledged, recordsInTopic: written, allAcknowledgedWritten: written >= acknowledged, duplicates: written - acknowledged },
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

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** CPU seconds used so far by each process of the benchmark, and by the ingress' two busy threads. */
export interface CpuSample {
  ingress: number;
  /** The ingress' main thread (HTTP, validation, normalization). */
  ingressMain: number | undefined;
  /** The ingress' producer thread (kafkajs), from its `kafka_producer_thread_cpu_seconds`. */
  producerThread: number | undefined;
  broker: number | undefined;
  loadGenerator: number;
}

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/**
 * Reads the ingress' own `process_cpu_seconds_total` and its producer
 * thread's CPU time, its main thread's from /proc, the broker's CPU time
 * from /proc (when the bench started it) and this process' CPU time: what
 * each event costs in CPU, whatever else runs on the machine.
 */
export async function sampleCpu(ingressUrl: string, ingressPid: number | undefined, brokerPid: number | undefined): Promise<CpuSample> {
  const metrics = await (await fetch(`${ingressUrl}/metrics`)).text();
  const metric = (name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} ([\\d.e+-]+)$`, 'm').exec(metrics)?.[1] ?? Number.NaN);
  const producerThread = metric('kafka_producer_thread_cpu_seconds');
  const usage = process.cpuUsage();
  return {
    ingress: metric('process_cpu_seconds_total'),
    ingressMain: ingressPid === undefined ? undefined : threadCpuSeconds(ingressPid, ingressPid),
    producerThread: Number.isNaN(producerThread) ? undefined : producerThread,
    broker: brokerPid === undefined ? undefined : procCpuSeconds(brokerPid),
    loadGenerator: (usage.user + usage.system) / 1e6,
  };
}

/** utime + stime of a process, fields 14 and 15 of /proc/PID/stat (after the parenthesised command). */
function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined; // The process is gone or this is not Linux: no figure.
  }
}

/** Time one thread spent on a CPU: the first field of /proc/PID/task/TID/schedstat, in nanoseconds. */
function threadCpuSeconds(pid: number, tid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
  } catch {
    return undefined; // As above.
  }
}

/**
 * Microseconds of CPU per event, per process and thread, between two
 * samples. `ingressOther` is what neither busy thread used: V8's garbage
 * collector and compiler threads, libuv's pool.
 */
export function cpuPerEvent(before: CpuSample, after: CpuSample, events: number): Record<string, number | undefined> {
  const delta = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b) ? undefined : b - a);
  const perEvent = (seconds: number | undefined) => (seconds === undefined || events === 0 ? undefined : Math.round((seconds * 1e7) / events) / 10);
  const ingress = delta(before.ingress, after.ingress);
  const main = delta(before.ingressMain, after.ingressMain);
  const producer = delta(before.producerThread, after.producerThread);
  return {
    ingress: perEvent(ingress),
    ingressMain: perEvent(main),
    producerThread: perEvent(producer),
    ingressOther: perEvent(ingress === undefined || main === undefined || producer === undefined ? undefined : ingress - main - producer),
    broker: perEvent(delta(before.broker, after.broker)),
    loadGenerator: perEvent(delta(before.loadGenerator, after.loadGenerator)),
  };
}

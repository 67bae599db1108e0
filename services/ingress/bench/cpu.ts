import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** CPU seconds used so far by each process of the benchmark. */
export interface CpuSample {
  ingress: number;
  broker: number | undefined;
  loadGenerator: number;
}

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/**
 * Reads the ingress' own `process_cpu_seconds_total`, the broker's CPU time
 * from /proc (when the bench started it) and this process' CPU time: what
 * each event costs in CPU, whatever else runs on the machine.
 */
export async function sampleCpu(ingressUrl: string, brokerPid: number | undefined): Promise<CpuSample> {
  const metrics = await (await fetch(`${ingressUrl}/metrics`)).text();
  const ingress = Number(/^process_cpu_seconds_total\{[^}]*\} ([\d.e+-]+)$/m.exec(metrics)?.[1] ?? Number.NaN);
  const usage = process.cpuUsage();
  return { ingress, broker: brokerPid === undefined ? undefined : procCpuSeconds(brokerPid), loadGenerator: (usage.user + usage.system) / 1e6 };
}

/** utime + stime of a process, fields 14 and 15 of /proc/PID/stat (after the parenthesised command). */
function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Microseconds of CPU per event, per process, between two samples. */
export function cpuPerEvent(before: CpuSample, after: CpuSample, events: number): Record<string, number | undefined> {
  const perEvent = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || events === 0 ? undefined : Math.round(((b - a) * 1e6) / events));
  return {
    ingress: perEvent(before.ingress, after.ingress),
    broker: perEvent(before.broker, after.broker),
    loadGenerator: perEvent(before.loadGenerator, after.loadGenerator),
  };
}

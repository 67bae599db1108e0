import { quantile } from './load';

/** One workload and mode of one run. */
export interface RunSummary {
  workload: string;
  mode: string;
  eventsPerRequest: number;
  requestsPerSecond: number;
  eventsPerSecond: number;
  timeToAckMs: { p50: number; p90: number; p99: number; max: number };
  acknowledgedEvents: number;
  statuses: Record<string, number>;
  cpuMicrosPerEvent: Record<string, number | undefined>;
}

/** A figure's median over the runs, with each run's value in run order. */
interface Median {
  median: number;
  runs: number[];
}

const round2 = (value: number) => Math.round(value * 100) / 100;

function median(values: readonly (number | undefined)[]): Median | undefined {
  const known = values.filter((value): value is number => value !== undefined && !Number.isNaN(value));
  return known.length === 0 ? undefined : { median: quantile(known, 0.5), runs: known };
}

/**
 * The median of each figure of each workload and mode over the runs (the
 * machine is shared, so single runs vary; CPU per event varies least), and
 * the capacity's ratio to the broker's limit when it was measured: the
 * ratio of the medians, and each run's own ratio (its capacity over the
 * limit measured just before it, under about the same load).
 */
export function medians(runs: readonly (readonly RunSummary[])[], brokerLimits: readonly number[]) {
  const first = runs[0] ?? [];
  return first.map(({ workload, mode }) => {
    const same = runs.map((results) => results.find((result) => result.workload === workload && result.mode === mode));
    const cpuFields = Object.keys(same[0]?.cpuMicrosPerEvent ?? {});
    const limit = median(brokerLimits);
    const eventsPerSecond = median(same.map((result) => result?.eventsPerSecond));
    return {
      workload,
      mode,
      eventsPerSecond,
      cpuMicrosPerEvent: Object.fromEntries(cpuFields.map((field) => [field, median(same.map((result) => result?.cpuMicrosPerEvent[field]))])),
      timeToAckMs: { p50: median(same.map((result) => result?.timeToAckMs.p50)), p99: median(same.map((result) => result?.timeToAckMs.p99)) },
      ...(limit && eventsPerSecond && mode === 'capacity'
        ? {
            ratioToBrokerLimit: round2(eventsPerSecond.median / limit.median),
            runRatiosToBrokerLimit: median(same.map((result, run) => (result && brokerLimits[run] ? round2(result.eventsPerSecond / brokerLimits[run]) : undefined))),
            brokerLimitRecordsPerSecond: Math.round(limit.median),
          }
        : {}),
    };
  });
}

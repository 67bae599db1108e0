import { Pool } from 'undici';

/** One kind of request the benchmark sends. */
export interface Workload {
  name: string;
  path: string;
  eventsPerRequest: number;
  /** A fresh body for each request (unique messageIds). */
  body(): string;
}

export interface LoadResult {
  requests: number;
  events: number;
  seconds: number;
  /** Time to acknowledgement of each 2xx request, ms. */
  latenciesMs: number[];
  statuses: Record<string, number>;
}

export interface LoadTarget {
  pool: Pool;
  headers: Record<string, string>;
}

/**
 * Closed loop: `concurrency` senders, each sending its next request as soon
 * as the previous one is answered, for `durationMs`. Measures capacity.
 */
export async function closedLoop(target: LoadTarget, workload: Workload, concurrency: number, durationMs: number): Promise<LoadResult> {
  const result = emptyResult();
  const startedAt = performance.now();
  const deadline = startedAt + durationMs;
  const sender = async () => {
    while (performance.now() < deadline) await sendOne(target, workload, performance.now(), result);
  };
  await Promise.all(Array.from({ length: concurrency }, sender));
  result.seconds = (performance.now() - startedAt) / 1_000;
  return result;
}

/** Scheduling tick of the open loop. */
const TICK_MS = 2;

/**
 * Open loop: requests at a fixed rate whatever the answers, latency counted
 * from when each request was due (no coordinated omission). At most
 * `maxOutstanding` requests wait at once; beyond that they are counted as
 * "dropped" (the target could not keep up).
 */
export async function openLoop(target: LoadTarget, workload: Workload, requestsPerSecond: number, durationMs: number, maxOutstanding: number): Promise<LoadResult> {
  const result = emptyResult();
  const startedAt = performance.now();
  const total = Math.floor((requestsPerSecond * durationMs) / 1_000);
  const pending = new Set<Promise<void>>();
  let issued = 0;
  while (issued < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - startedAt) * requestsPerSecond) / 1_000));
    for (; issued < due; issued += 1) {
      const dueAt = startedAt + (issued * 1_000) / requestsPerSecond;
      if (pending.size >= maxOutstanding) {
        result.statuses.dropped = (result.statuses.dropped ?? 0) + 1;
        continue;
      }
      const request = sendOne(target, workload, dueAt, result).finally(() => pending.delete(request));
      pending.add(request);
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  await Promise.all(pending);
  result.seconds = (performance.now() - startedAt) / 1_000;
  return result;
}

async function sendOne(target: LoadTarget, workload: Workload, since: number, result: LoadResult): Promise<void> {
  let status: string;
  try {
    const response = await target.pool.request({ method: 'POST', path: workload.path, headers: target.headers, body: workload.body() });
    await response.body.dump();
    status = String(response.statusCode);
  } catch (error) {
    status = error instanceof Error ? error.name : 'error';
  }
  result.statuses[status] = (result.statuses[status] ?? 0) + 1;
  if (status.startsWith('2')) {
    result.requests += 1;
    result.events += workload.eventsPerRequest;
    result.latenciesMs.push(performance.now() - since);
  }
}

function emptyResult(): LoadResult {
  return { requests: 0, events: 0, seconds: 0, latenciesMs: [], statuses: {} };
}

/** The q-quantile (0..1) of unsorted values, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

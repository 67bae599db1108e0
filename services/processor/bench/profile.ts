import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Functions listed per profile in the bench's output. */
const TOP_ITEMS = 15;
/** Bytes between two allocation samples (V8's default is 32 KiB; finer shows small per-record objects). */
const HEAP_SAMPLING_INTERVAL = 4_096;

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: CallFrame; hitCount?: number }>;
  samples: number[];
}

interface SamplingHeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children: SamplingHeapNode[];
}

/** One line of a profile's top list: self time (CPU) or bytes allocated (heap), as a share of the whole. */
export interface TopItem {
  fn: string;
  percent: number;
}

export interface ProfileSummary {
  cpu: TopItem[];
  allocations: TopItem[];
}

const label = ({ functionName, url, lineNumber }: CallFrame): string => {
  const file = url.replace(/^file:\/\//, '').replace(/^.*\/(packages|services|node_modules)\//, '$1/');
  return `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
};

function top(weights: Map<string, number>): TopItem[] {
  const total = [...weights.values()].reduce((sum, w) => sum + w, 0) || 1;
  return [...weights]
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP_ITEMS)
    .map(([fn, weight]) => ({ fn, percent: Number(((100 * weight) / total).toFixed(1)) }));
}

function cpuTop(profile: CpuProfile): TopItem[] {
  const byNode = new Map(profile.nodes.map((n) => [n.id, label(n.callFrame)]));
  const weights = new Map<string, number>();
  for (const id of profile.samples) {
    const fn = byNode.get(id) ?? '?';
    // Waiting is not CPU time: shares are of the time the process ran.
    if (fn === '(idle)') continue;
    weights.set(fn, (weights.get(fn) ?? 0) + 1);
  }
  return top(weights);
}

function allocationTop(head: SamplingHeapNode): TopItem[] {
  const weights = new Map<string, number>();
  const visit = (node: SamplingHeapNode) => {
    const fn = label(node.callFrame);
    weights.set(fn, (weights.get(fn) ?? 0) + node.selfSize);
    node.children.forEach(visit);
  };
  visit(head);
  return top(weights);
}

/**
 * A V8 CPU profile and a sampling allocation profile of this process over
 * one measured window (not the topic fill before it), written to `dir` as
 * `<name>.cpuprofile` / `<name>.heapprofile` (open them in Chrome DevTools),
 * and summarized as the top functions by self time and by bytes allocated.
 */
export async function startProfiling(dir: string, name: string): Promise<() => Promise<ProfileSummary>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  await session.post('HeapProfiler.enable');
  // Objects already collected count too: short-lived per-record garbage is what GC spends its time on.
  await session.post('HeapProfiler.startSampling', { samplingInterval: HEAP_SAMPLING_INTERVAL, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  return async () => {
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    const { profile: heap } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: SamplingHeapNode } };
    session.disconnect();
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    writeFileSync(join(dir, `${name}.heapprofile`), JSON.stringify(heap));
    return { cpu: cpuTop(profile), allocations: allocationTop(heap.head) };
  };
}

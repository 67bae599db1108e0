import type { Admin } from 'kafkajs';

/** How far a rebuild has read the raw events topic. */
export interface RebuildProgress {
  generation: number;
  events_read: number;
  /** Events from the rebuild's start offsets to the topic's end now: grows with live traffic. */
  events_total: number;
  progress: number;
  /** At the read rate of the last samples; null until there is one. */
  eta_seconds: number | null;
  /** Events left to read. */
  remaining: number;
}

/** The window the read rate is averaged over. */
const RATE_WINDOW_MS = 30_000;

/**
 * Measures a rebuild from its consumer group's committed offsets on the raw
 * topic (committed with each exactly-once commit) against the topic's end.
 * Keeps recent samples for the rate behind the ETA.
 */
export class ProgressMeter {
  private samples: Array<{ at: number; read: number }> = [];
  private generation = 0;

  constructor(
    private readonly admin: Admin,
    private readonly eventsTopic: string,
  ) {}

  async measure(rebuild: { generation: number; application_id: string; start_offsets: Record<string, string> }, now = Date.now()): Promise<RebuildProgress> {
    if (rebuild.generation !== this.generation) {
      this.generation = rebuild.generation;
      this.samples = [];
    }
    const [ends, [committed]] = await Promise.all([this.admin.fetchTopicOffsets(this.eventsTopic), this.admin.fetchOffsets({ groupId: rebuild.application_id, topics: [this.eventsTopic] })]);
    const position = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    let read = 0;
    let total = 0;
    for (const { partition, high } of ends) {
      const start = Number(rebuild.start_offsets[String(partition)] ?? 0);
      const at = position.get(partition) ?? -1;
      total += Math.max(0, Number(high) - start);
      read += at < 0 ? 0 : Math.max(0, at - start);
    }
    this.samples = [...this.samples.filter((s) => s.at >= now - RATE_WINDOW_MS), { at: now, read }];
    const oldest = this.samples[0] as { at: number; read: number };
    const rate = now > oldest.at ? (read - oldest.read) / ((now - oldest.at) / 1000) : 0;
    const remaining = Math.max(0, total - read);
    return { generation: rebuild.generation, events_read: read, events_total: total, progress: total === 0 ? 1 : Math.min(1, read / total), eta_seconds: rate > 0 ? remaining / rate : remaining === 0 ? 0 : null, remaining };
  }
}

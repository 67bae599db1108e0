import { randomUUID } from 'node:crypto';
import { GlobalTable, type Logger } from '@abtest/streams';
import type { Kafka } from 'kafkajs';
import { ProgressMeter, type RebuildProgress } from './progress';
import { GENERATIONS_KEY, parseGenerationsRecord, REPROCESS_REQUEST_KEY, type GenerationsRecord, type ReprocessRequest } from './record';

export interface ReprocessOptions {
  kafka: Kafka;
  logger: Logger;
  /** The generations topic of the processor (`<application id>-generations`). */
  topic: string;
  eventsTopic: string;
  reason: string;
  /** Told about each step: the generation taken on, its progress while it rebuilds. */
  onProgress(event: { generation: number; phase: 'building' | 'switching'; progress: RebuildProgress | null }): void;
  /** Give up waiting after this long (the rebuild goes on). */
  timeoutMs?: number;
  pollMs?: number;
}

/**
 * `abtest-processor reprocess`: asks the running processors to build all
 * state anew from the raw events topic under a new generation (Kafka Streams'
 * application reset, without downtime) and follows the rebuild until it has
 * taken the results topics over. Resolves with the new live generation.
 */
export async function reprocess(options: ReprocessOptions): Promise<number> {
  const { kafka, logger, topic } = options;
  let record: GenerationsRecord | undefined;
  const table = new GlobalTable({ kafka, topic, logger, groupIdPrefix: 'reprocess', onRecord: (key, value) => void (key === GENERATIONS_KEY && value !== null && (record = parseGenerationsRecord(value))) });
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await Promise.all([admin.connect(), producer.connect()]);
  try {
    await table.start();
    const request: ReprocessRequest = { id: randomUUID(), reason: options.reason, requested_at: Date.now() };
    await producer.send({ topic, messages: [{ key: REPROCESS_REQUEST_KEY, value: JSON.stringify(request) }] });
    const meter = new ProgressMeter(admin, options.eventsTopic);
    const deadline = Date.now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
    let generation: number | undefined;
    for (;;) {
      const current = record;
      if (current?.handled_request === request.id) generation ??= current.next?.generation ?? current.live.generation;
      if (generation !== undefined && current && current.live.generation >= generation) return current.live.generation;
      if (generation !== undefined && current?.next?.generation === generation) options.onProgress({ generation, phase: current.next.phase, progress: await meter.measure(current.next) });
      if (Date.now() > deadline) throw new Error(generation === undefined ? `no processor took the reprocess request within ${options.timeoutMs} ms: is one running with this application id?` : `generation ${generation} has not taken over within ${options.timeoutMs} ms; it goes on (see GET /generations)`);
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1_000));
    }
  } finally {
    await Promise.all([table.close(), admin.disconnect(), producer.disconnect()]);
  }
}

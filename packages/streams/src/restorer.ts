import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Logger } from './logger';
import { changesOfRecord } from './changelog-records';
import type { StoreChange, TaskState } from './task-state';

/** Kafka Streams' StateRestoreListener. */
export interface StateRestoreListener {
  onRestoreStart?(taskId: string, store: string, startOffset: bigint, endOffset: bigint): void;
  onBatchRestored?(taskId: string, store: string, batchEndOffset: bigint, restored: number): void;
  onRestoreEnd?(taskId: string, store: string, totalRestored: number): void;
}

/** One changelog partition to replay into one task's store. */
export interface RestoreRequest {
  taskId: string;
  state: TaskState;
  store: string;
  topic: string;
  partition: number;
  /** First offset to read. */
  from: bigint;
  /** Offset after the last record to read (the changelog's end when restore began). */
  to: bigint;
}

const MAX_RESTORE_MS = 10 * 60_000;

interface RestoreEntry {
  request: RestoreRequest;
  position: bigint;
  restored: number;
  done: boolean;
}

/**
 * Replays changelog partitions into Redis. kafkajs has no manual partition
 * assignment, so a throw-away consumer group subscribes to the changelog
 * topics, seeks each wanted partition to its start and pauses the rest; the
 * group is deleted afterwards. Each fetched batch is applied with its last
 * offset as the store's new position, so an interrupted restore resumes
 * where it stopped.
 */
export async function restoreStores(options: {
  kafka: Kafka;
  applicationId: string;
  requests: RestoreRequest[];
  logger: Logger;
  listener?: StateRestoreListener;
  heartbeat?: () => Promise<void>;
}): Promise<void> {
  const pending = options.requests.filter((r) => r.from < r.to);
  if (pending.length === 0) return;
  // `position`: the next changelog offset to apply. Everything below it is in Redis.
  const byPartition = new Map(pending.map((r) => [`${r.topic}:${r.partition}`, { request: r, position: r.from, restored: 0, done: false }]));
  const groupId = `${options.applicationId}-restore-${randomUUID()}`;
  const consumer = options.kafka.consumer({ groupId, readUncommitted: false, allowAutoTopicCreation: false, maxBytesPerPartition: 4 * 1024 * 1024 });
  const admin = options.kafka.admin();
  let finish: () => void = () => undefined;
  let fail: (error: unknown) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => ((finish = resolve), (fail = reject)));
  /**
   * Batches are taken by content, not by when they were fetched: a batch
   * that starts at or below `position` covers the log up to its last offset
   * (data records were applied by eachBatch; control-only or fully filtered
   * batches hold none). A batch starting above `position` is ignored: the
   * records between were never seen.
   */
  const advance = (entry: RestoreEntry, firstOffset: string | null, lastOffset: string) => {
    if (entry.done || firstOffset === null || BigInt(firstOffset) > entry.position) return;
    const next = BigInt(lastOffset) + 1n;
    if (next > entry.position) entry.position = next;
    if (entry.position < entry.request.to) return;
    entry.done = true;
    options.listener?.onRestoreEnd?.(entry.request.taskId, entry.request.store, entry.restored);
    if ([...byPartition.values()].every((e) => e.done)) finish();
  };
  try {
    await consumer.connect();
    await admin.connect();
    const topics = [...new Set(pending.map((r) => r.topic))];
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
        const unwanted = partitions.filter((p) => !byPartition.has(`${topic}:${p}`));
        if (unwanted.length > 0) consumer.pause([{ topic, partitions: unwanted }]);
        for (const p of partitions) {
          const entry = byPartition.get(`${topic}:${p}`);
          if (entry) consumer.seek({ topic, partition: p, offset: String(entry.request.from) });
        }
      }
    });
    // Control-only batches (transaction markers) never reach eachBatch; this event still reports their offsets.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const entry = byPartition.get(`${payload.topic}:${payload.partition}`);
      if (entry) advance(entry, payload.firstOffset, payload.lastOffset);
    });
    for (const request of pending) options.listener?.onRestoreStart?.(request.taskId, request.store, request.from, request.to);
    await consumer.run({
      eachBatchAutoResolve: true,
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const entry = byPartition.get(`${batch.topic}:${batch.partition}`);
        const firstOffset = batch.firstOffset();
        if (!entry || entry.done || firstOffset === null || BigInt(firstOffset) > entry.position) return;
        const { request } = entry;
        const changes: StoreChange[] = [];
        let last = -1n;
        for (const message of batch.messages) {
          const offset = BigInt(message.offset);
          if (offset < entry.position || offset >= request.to || message.key === null) continue;
          for (const change of changesOfRecord(request.store, message)) changes.push(change);
          last = offset;
        }
        if (last >= 0n) {
          await request.state.apply(changes, new Map([[request.store, last]]));
          entry.restored += changes.length;
          options.listener?.onBatchRestored?.(request.taskId, request.store, last, changes.length);
        }
        advance(entry, firstOffset, batch.lastOffset());
        await options.heartbeat?.();
      },
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => fail(payload.error));
    const timer = setTimeout(() => fail(new Error(`restore of ${pending.length} changelog partition(s) did not finish within ${MAX_RESTORE_MS} ms`)), MAX_RESTORE_MS);
    try {
      await finished;
    } finally {
      clearTimeout(timer);
    }
    options.logger.info({ groupId, partitions: pending.length }, 'state restored from changelog');
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch((error: unknown) => options.logger.warn({ groupId, err: error }, 'could not delete the restore consumer group'));
    await admin.disconnect();
  }
}

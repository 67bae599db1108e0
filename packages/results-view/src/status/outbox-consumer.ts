import type { Cluster, Redis } from 'ioredis';
import { OutboxError, ResultsViewError } from '../errors';
import { parseOutboxEntry } from './status-outbox';
import type { StatusChange } from './status-change';

export interface OutboxLogger {
  info(context: object, message: string): void;
  warn(context: object, message: string): void;
  error(context: object, message: string): void;
}

export type DeliveryOutcome = 'delivered' | 'retry_later' | 'dropped';

export interface OutboxConsumerOptions {
  /** A connection of its own: the consumer blocks on it. */
  redis: Redis | Cluster;
  stream: string;
  /** One consumer group per destination (`slack`, `decisions`): each gets every change once. */
  group: string;
  /** This instance's name within the group. */
  consumer: string;
  /** Where a new group starts: '0' = every change still in the stream, '$' = changes from now on. */
  startAt: '0' | '$';
  /** Delivers one change; throws to retry later (retriable or unknown errors) or to drop it (non-retriable). */
  handle(change: StatusChange, signal: AbortSignal): Promise<void>;
  logger: OutboxLogger;
  onOutcome?(group: string, outcome: DeliveryOutcome): void;
  /** How long one read waits for new entries; also the longest stop() waits for it. Default 1000. */
  blockMs?: number;
  /** Entries pending this long with any consumer (one that crashed, or whose delivery failed) are taken over and tried again. Default 30000. */
  claimIdleMs?: number;
  /** Entries per read. Default 16. */
  batchSize?: number;
}

type Entry = [id: string, fields: string[]];

const DEFAULTS = { blockMs: 1_000, claimIdleMs: 30_000, batchSize: 16 };
/** Pause after a failed read (Redis unreachable) before the next. */
const READ_ERROR_PAUSE_MS = 1_000;

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** Entries of an XREADGROUP / XAUTOCLAIM reply; deleted (trimmed) entries come with null fields and are skipped. */
function toEntries(list: unknown): Entry[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((item): Entry[] => (Array.isArray(item) && typeof item[0] === 'string' && isStringArray(item[1]) ? [[item[0], item[1]]] : []));
}

/**
 * Delivers the outbox's status changes to one destination through a Redis
 * consumer group: every change goes to one instance of the group, is
 * acknowledged once delivered, and is taken over by another instance when
 * its consumer died or failed (XAUTOCLAIM after `claimIdleMs`). Delivery is
 * at least once; a change is delivered twice only when an instance dies
 * between delivering and acknowledging.
 */
export class OutboxConsumer {
  private readonly options: OutboxConsumerOptions & typeof DEFAULTS;
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  private lastClaimAt = 0;

  constructor(options: OutboxConsumerOptions) {
    this.options = { ...DEFAULTS, ...options };
  }

  async start(): Promise<void> {
    const { redis, stream, group, startAt } = this.options;
    try {
      await redis.xgroup('CREATE', stream, group, startAt, 'MKSTREAM');
    } catch (error) {
      // Another instance created the group first: that is the group to join.
      if (!(error instanceof Error && error.message.startsWith('BUSYGROUP'))) throw error;
    }
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    const { redis, stream, group, consumer, blockMs, batchSize, claimIdleMs, logger } = this.options;
    while (!this.abort.signal.aborted) {
      try {
        if (Date.now() - this.lastClaimAt >= claimIdleMs / 2) {
          this.lastClaimAt = Date.now();
          const claimed: unknown = await redis.xautoclaim(stream, group, consumer, claimIdleMs, '0-0', 'COUNT', batchSize);
          await this.deliverAll(toEntries(Array.isArray(claimed) ? claimed[1] : undefined));
        }
        const reply: unknown = await redis.xreadgroup('GROUP', group, consumer, 'COUNT', batchSize, 'BLOCK', blockMs, 'STREAMS', stream, '>');
        const streams = Array.isArray(reply) ? reply : [];
        await this.deliverAll(streams.flatMap((item: unknown) => (Array.isArray(item) ? toEntries(item[1]) : [])));
      } catch (error) {
        if (this.abort.signal.aborted) return;
        logger.error({ err: error, stream, group }, 'reading the status outbox failed; trying again');
        await new Promise((resolve) => setTimeout(resolve, READ_ERROR_PAUSE_MS));
      }
    }
  }

  private async deliverAll(entries: Entry[]): Promise<void> {
    // Side by side: one slow destination call does not hold the others of the batch.
    await Promise.all(entries.map(([id, fields]) => this.deliver(id, fields)));
  }

  private async deliver(id: string, fields: string[]): Promise<void> {
    const { redis, stream, group, logger, onOutcome } = this.options;
    let change: StatusChange | undefined;
    try {
      change = parseOutboxEntry(id, fields);
      await this.options.handle(change, this.abort.signal);
      await redis.xack(stream, group, id);
      onOutcome?.(group, 'delivered');
    } catch (error) {
      const context = { err: error, group, entry: id, experiment: change?.experimentId, version: change?.version };
      const final = error instanceof OutboxError || (error instanceof ResultsViewError && !error.retriable);
      if (!final) {
        logger.warn(context, 'status change not delivered; it stays pending and is tried again');
        onOutcome?.(group, 'retry_later');
        return;
      }
      logger.error(context, 'status change cannot be delivered; dropping it');
      onOutcome?.(group, 'dropped');
      await redis.xack(stream, group, id);
    }
  }
}

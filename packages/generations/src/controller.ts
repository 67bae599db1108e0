import { randomUUID } from 'node:crypto';
import { GlobalTable, type Logger } from '@abtest/streams';
import type { Cluster, Redis } from 'ioredis';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { Registry } from 'prom-client';
import { retainedHistory } from './history';
import { CoordinatorLease } from './lease';
import { createGenerationMetrics } from './metrics';
import { ProgressMeter, type RebuildProgress } from './progress';
import { readPublishedVersions, type VersionReader } from './published-versions';
import { applicationIdOf, GENERATIONS_KEY, parseGenerationsRecord, parseReprocessRequest, REPROCESS_REQUEST_KEY, type Generation, type GenerationsRecord, type NextGeneration, type ReprocessRequest } from './record';

/** What runs one generation's topology: a KafkaStreams. */
export interface GenerationRuntime {
  close(): Promise<void>;
  isReady(): boolean;
}

/** How to run a generation: the processor builds its topology from this. */
export interface GenerationRun {
  generation: number;
  applicationId: string;
  /** The live generation publishes; a rebuild keeps its state unpublished until it takes over. */
  publishing: boolean;
  /** For a generation taking the results topics over: the newest version per key of each (results, breakdowns, series); null otherwise. */
  publishedVersions: Record<string, Map<string, number>> | null;
  countedFrom: number | null;
}

/** A rebuild's progress as records and the API show it. */
export interface BackfillShown {
  generation: number;
  reason: string;
  started_at: number;
  events_read: number;
  events_total: number;
  progress: number;
  eta_seconds: number | null;
}

/** The state inputs of the definitions (see @abtest/experiments): what a rebuild is needed for. */
export interface StateInputsSource {
  current(): Record<string, string>;
  digestOf(inputs: Record<string, string>): string;
  describeChanges(before: Record<string, string>, after: Record<string, string>): string;
}

export interface GenerationControllerOptions<R extends GenerationRuntime> {
  kafka: Kafka;
  redis: Redis | Cluster;
  logger: Logger;
  registry?: Registry;
  /** The configured application id: generation 1's, and the stem of the others'. */
  baseApplicationId: string;
  /** The compacted topic of the generations record and reprocess requests. */
  topic: string;
  eventsTopic: string;
  /** The results topics by kind (results, breakdowns, series), where a taking-over generation continues the versions. */
  resultsTopics: Record<string, string>;
  versionOf: VersionReader;
  stateInputs: StateInputsSource;
  /** Starts a generation's runtime; resolves once it runs. */
  run(plan: GenerationRun): Promise<R>;
  /**
   * Prepares a new generation before any runtime starts it (the processor fixes its identities):
   * called by the coordinator, which stops when `keepAlive` (its lease renewed) answers false.
   */
  prepare?(applicationId: string, keepAlive: () => Promise<boolean>): Promise<void>;
  /** Deletes a stopped generation's state (consumer group, internal topics, Redis keys). */
  reset(applicationId: string): Promise<void>;
  /** Redis key of the coordinator lease. */
  leaseKey: string;
  /** How often the instance reconciles its runtimes and the coordinator moves generations on. Default 1000. */
  tickMs?: number;
  /** A rebuild this close to the end of the raw topic takes over. Default 1000 events. */
  catchUpEvents?: number;
  /** Definitions must rest this long before their change starts a rebuild (a burst of edits starts one). Default 5000. */
  settleMs?: number;
  /** Whether a change of the state inputs starts a rebuild by itself (else only a reprocess request does). Default true. */
  backfillOnDefinitionChange?: boolean;
}

const DEFAULTS = { tickMs: 1_000, catchUpEvents: 1_000, settleMs: 5_000 } as const;

interface Running<R> {
  applicationId: string;
  runtime: R;
}

/**
 * Runs the processor's state generations (see README): the live one, which
 * publishes, and a rebuild from the raw events topic when one is under way
 * (a changed definition's backfill, or a reprocess), which takes the results
 * topics over once it has caught up. Every instance reconciles its runtimes
 * with the generations record; one coordinator (a Redis lease) writes it.
 */
export class GenerationController<R extends GenerationRuntime> {
  private record: GenerationsRecord | undefined;
  private request: ReprocessRequest | undefined;
  private live: Running<R> | undefined;
  private rebuild: Running<R> | undefined;
  private progress: RebuildProgress | null = null;
  private readonly table: GlobalTable;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly lease: CoordinatorLease;
  private readonly meter: ProgressMeter;
  private readonly metrics: ReturnType<typeof createGenerationMetrics>;
  private readonly settings: { tickMs: number; catchUpEvents: number; settleMs: number };
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private closed = false;
  /** The state digest the coordinator last saw change, and when. */
  private seen: { digest: string; at: number } | undefined;

  constructor(private readonly options: GenerationControllerOptions<R>) {
    const { kafka, logger } = options;
    this.settings = { tickMs: options.tickMs ?? DEFAULTS.tickMs, catchUpEvents: options.catchUpEvents ?? DEFAULTS.catchUpEvents, settleMs: options.settleMs ?? DEFAULTS.settleMs };
    this.table = new GlobalTable({ kafka, topic: options.topic, logger, groupIdPrefix: 'generations', onRecord: (key, value) => this.onRecord(key, value) });
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    this.admin = kafka.admin();
    this.lease = new CoordinatorLease(options.redis, options.leaseKey, randomUUID(), this.settings.tickMs * 10);
    this.meter = new ProgressMeter(this.admin, options.eventsTopic);
    this.metrics = createGenerationMetrics(options.registry);
  }

  /** Reads the generations record, starts the live generation (and a rebuild under way), then follows the record. */
  async start(): Promise<void> {
    await Promise.all([this.producer.connect(), this.admin.connect()]);
    await this.table.start();
    await this.tick();
    if (!this.live) throw new Error('the live generation did not start: see the log');
    this.timer = setInterval(() => void this.tick(), this.settings.tickMs);
  }

  /** The live generation's runtime (undefined for a moment while a rebuild takes over). */
  get liveRuntime(): R | undefined {
    return this.live?.runtime;
  }

  /** Ready while the live generation is, and while a rebuild takes over (a planned pause of seconds). */
  isReady(): boolean {
    return this.live?.runtime.isReady() ?? this.record?.next?.phase === 'switching';
  }

  /** The rebuild under way and its progress, for records, the API and the dashboard. */
  backfill(): BackfillShown | null {
    const next = this.record?.next;
    if (!next) return null;
    const progress = this.progress?.generation === next.generation ? this.progress : undefined;
    return {
      generation: next.generation,
      reason: next.reason ?? '',
      started_at: next.started_at,
      events_read: progress?.events_read ?? 0,
      events_total: progress?.events_total ?? 0,
      progress: progress?.progress ?? 0,
      eta_seconds: progress?.eta_seconds ?? null,
    };
  }

  /** The live generation's record (counted_from included); undefined before the first record. */
  liveGeneration(): Generation | undefined {
    return this.record?.live;
  }

  status(): { live: Generation | null; rebuild: (NextGeneration & { progress: BackfillShown | null }) | null; retired: string[] } {
    const record = this.record;
    return { live: record?.live ?? null, rebuild: record?.next ? { ...record.next, progress: this.backfill() } : null, retired: record?.retired ?? [] };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.ticking;
    await this.stop('rebuild');
    await this.stop('live');
    await this.lease.release().catch(() => undefined);
    await Promise.all([this.table.close(), this.producer.disconnect(), this.admin.disconnect()]);
  }

  private onRecord(key: string, value: Buffer | null): void {
    if (value === null) return;
    if (key === GENERATIONS_KEY) this.record = parseGenerationsRecord(value);
    else if (key === REPROCESS_REQUEST_KEY) this.request = parseReprocessRequest(value);
  }

  /** One step, never two at once: reconcile this instance's runtimes, measure a rebuild, coordinate. */
  private tick(): Promise<void> {
    if (this.ticking || this.closed) return this.ticking ?? Promise.resolve();
    this.ticking = this.step()
      .catch((error: unknown) => this.options.logger.error({ err: error }, 'generations step failed; retried at the next tick'))
      .finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async step(): Promise<void> {
    const record = this.record ?? this.firstRecord();
    await this.reconcile(record);
    this.progress = record.next ? await this.meter.measure(record.next) : null;
    this.metrics.show(record.live.generation, this.progress);
    if (!this.closed && (await this.lease.hold())) await this.coordinate(this.record);
  }

  /** Before any record: generation 1 under the configured id, built with today's definitions (the coordinator writes it). */
  private firstRecord(): GenerationsRecord {
    const inputs = this.options.stateInputs.current();
    const live: Generation = { generation: 1, application_id: this.options.baseApplicationId, state_digest: this.options.stateInputs.digestOf(inputs), state_inputs: inputs, reason: null, started_at: Date.now(), counted_from: null };
    return { live, next: null, retired: [], handled_request: null };
  }

  /** Runs what the record says: the live generation (none while switching) and the rebuild. */
  private async reconcile(record: GenerationsRecord): Promise<void> {
    const live = record.next?.phase === 'switching' ? null : record.live;
    if (this.rebuild && this.rebuild.applicationId !== record.next?.application_id) await this.stop('rebuild');
    if (this.live && this.live.applicationId !== live?.application_id) await this.stop('live');
    if (this.closed) return;
    if (live && !this.live) {
      const publishedVersions = live.generation > 1 ? await readPublishedVersions(this.options.kafka, this.options.logger, this.options.resultsTopics, this.options.versionOf) : null;
      this.live = await this.run({ generation: live.generation, applicationId: live.application_id, publishing: true, publishedVersions, countedFrom: live.counted_from });
    }
    const next = record.next;
    if (next && !this.rebuild) this.rebuild = await this.run({ generation: next.generation, applicationId: next.application_id, publishing: false, publishedVersions: null, countedFrom: next.counted_from });
  }

  private async run(plan: GenerationRun): Promise<Running<R>> {
    this.options.logger.info({ generation: plan.generation, applicationId: plan.applicationId, publishing: plan.publishing }, plan.publishing ? 'starting the live generation' : 'starting a rebuild from the raw events topic');
    return { applicationId: plan.applicationId, runtime: await this.options.run(plan) };
  }

  private async stop(which: 'live' | 'rebuild'): Promise<void> {
    const running = this[which];
    if (!running) return;
    this[which] = undefined;
    this.options.logger.info({ applicationId: running.applicationId }, `stopping the ${which} generation`);
    await running.runtime.close();
  }

  /** The coordinator's part: start, switch and retire generations. Each step writes the record once; the next tick sees it. */
  private async coordinate(record: GenerationsRecord | undefined): Promise<void> {
    if (!record) return this.write(this.firstRecord());
    const now = Date.now();
    const { stateInputs } = this.options;
    const inputs = stateInputs.current();
    const digest = stateInputs.digestOf(inputs);
    if (this.seen?.digest !== digest) this.seen = { digest, at: now };
    const next = record.next;
    const request = this.request && this.request.id !== record.handled_request ? this.request : undefined;
    const basis = next ?? record.live;
    const changed = (this.options.backfillOnDefinitionChange ?? true) && digest !== basis.state_digest && now - this.seen.at >= this.settings.settleMs;
    if ((request || changed) && next?.phase !== 'switching') {
      const reason = request ? `reprocess: ${request.reason}` : `definitions changed: ${stateInputs.describeChanges(basis.state_inputs, inputs)}`;
      return this.write({ ...record, next: await this.newGeneration(record, inputs, digest, reason, now), retired: next ? [...record.retired, next.application_id] : record.retired, handled_request: request?.id ?? record.handled_request });
    }
    if (next?.phase === 'building' && this.progress?.generation === next.generation && this.progress.remaining <= this.settings.catchUpEvents) {
      this.options.logger.info({ generation: next.generation, remaining: this.progress.remaining }, 'the rebuild has caught up: the live generation stops and the rebuild takes over');
      return this.write({ ...record, next: { ...next, phase: 'switching' } });
    }
    if (next?.phase === 'switching' && (await this.groupIsEmpty(record.live.application_id))) {
      const { phase: _phase, start_offsets: _offsets, ...taken } = next;
      return this.write({ ...record, live: taken, next: null, retired: [...record.retired, record.live.application_id] });
    }
    for (const retired of record.retired) {
      if (!(await this.groupIsEmpty(retired))) continue;
      await this.options.reset(retired);
      this.options.logger.info({ applicationId: retired }, 'deleted the state of a retired generation');
      return this.write({ ...record, retired: record.retired.filter((id) => id !== retired) });
    }
  }

  private async newGeneration(record: GenerationsRecord, inputs: Record<string, string>, digest: string, reason: string, now: number): Promise<NextGeneration> {
    const generation = Math.max(record.live.generation, record.next?.generation ?? 0) + 1;
    const history = await retainedHistory(this.options.kafka, this.admin, this.options.eventsTopic);
    const applicationId = applicationIdOf(this.options.baseApplicationId, generation);
    this.options.logger.info({ generation, reason, countedFrom: history.countedFrom }, 'rebuilding the state from the raw events topic');
    await this.options.prepare?.(applicationId, () => this.lease.hold());
    return { generation, application_id: applicationId, state_digest: digest, state_inputs: inputs, reason, started_at: now, counted_from: history.countedFrom, phase: 'building', start_offsets: history.startOffsets };
  }

  private async groupIsEmpty(groupId: string): Promise<boolean> {
    const [group] = (await this.admin.describeGroups([groupId])).groups;
    return !group || group.members.length === 0;
  }

  private async write(record: GenerationsRecord): Promise<void> {
    await this.producer.send({ topic: this.options.topic, messages: [{ key: GENERATIONS_KEY, value: JSON.stringify(record) }] });
    this.record = record;
  }
}

import { retry } from '@abtest/retry';
import { PartitionAssigners, Partitioners, type Admin, type Batch, type Consumer, type PartitionAssigner } from 'kafkajs';
import { loadStateScripts, type StateScripts } from './commands';
import { DEFAULTS, HEARTBEATS_PER_SESSION, type StreamsConfig } from './config';
import { StreamsError, TaskInitializationError } from './errors';
import { createInternalTopics } from './internal-topics';
import { taskKeys } from './keys';
import { createStreamsMetrics, type StreamsMetrics } from './metrics';
import { createStreamsPartitionAssigner } from './partition-assigner';
import { RecordRateLimit } from './rate-limit';
import { StreamTask } from './task';
import { taskIdOf } from './task-assignor';
import { TaskState } from './task-state';
import type { Subtopology, Topology } from './topology';

export type StreamsState = 'CREATED' | 'REBALANCING' | 'RUNNING' | 'PENDING_SHUTDOWN' | 'NOT_RUNNING' | 'ERROR';

const HEARTBEAT_WHILE_WAITING_MS = 2_000;
const defaultPartitioner = Partitioners.DefaultPartitioner();

/** The partition kafkajs' default producer partitioner gives a key. */
function partitionOfKey(key: string, partitions: number): number {
  const partitionMetadata = Array.from({ length: partitions }, (_, id) => ({ partitionId: id, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
  return defaultPartitioner({ topic: '', partitionMetadata, message: { key, value: null } });
}
/** Backoff between attempts to re-initialize a failed task. */
const RECOVERY_BACKOFF_MS = 200;
const RECOVERY_BACKOFF_MAX_MS = 5_000;
/**
 * Period of the timer that starts due commits and runs due wall-clock
 * punctuations: a quarter of the commit interval, within these bounds (a
 * punctuation fires at most TICK_MAX_MS late; a tick is a loop over the tasks).
 */
const TICK_MIN_MS = 10;
const TICK_MAX_MS = 100;
/**
 * kafkajs decodes a whole fetch response in one go, holding the event loop
 * (and with it every commit's round trips) meanwhile: 4 MB per partition and
 * 32 MB per fetch held it for hundreds of ms. Tasks process in slices anyway,
 * so larger fetches no longer save Redis round trips.
 */
const FETCH_BYTES_PER_PARTITION = 1024 * 1024;
const FETCH_MAX_BYTES = 4 * FETCH_BYTES_PER_PARTITION;

interface TaskSlot {
  task: StreamTask;
  /** Settles when the task's stores are restored and it may process. */
  ready: Promise<void>;
  isReady: boolean;
  /** The timer queued work on the task that has not run yet: it queues no more meanwhile. */
  ticking: boolean;
}

/**
 * Kafka Streams for Node: runs a topology over a consumer group, one task
 * per sub-topology and partition, with Redis state stores and exactly-once
 * commits (see README). start() returns once the consumer runs; isReady()
 * tells when every assigned task has restored its state.
 */
export class KafkaStreams {
  private state: StreamsState = 'CREATED';
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  private readonly scripts: StateScripts;
  private readonly tasks = new Map<string, TaskSlot>();
  /** Tasks being recovered: their partitions wait, whatever source topic a batch comes from, until the consumer is rewound. */
  private readonly recovering = new Map<string, Promise<void>>();
  private partitionCounts = new Map<number, number>();
  private readonly metrics: StreamsMetrics;
  private commitTimer: NodeJS.Timeout | undefined;
  private assignment: Record<string, number[]> = {};
  private readonly rateLimit: RecordRateLimit | undefined;
  private readonly settings: Required<Pick<StreamsConfig, 'keyPrefix' | 'commitIntervalMs' | 'maxPendingChanges' | 'cacheEntriesPerTask' | 'replicationFactor'>>;

  constructor(
    readonly topology: Topology,
    private readonly config: StreamsConfig,
  ) {
    this.scripts = loadStateScripts(config.redis);
    this.metrics = createStreamsMetrics(config.metrics);
    this.rateLimit = config.maxSourceRecordsPerSecond === undefined ? undefined : new RecordRateLimit(config.maxSourceRecordsPerSecond);
    this.settings = {
      keyPrefix: config.keyPrefix ?? DEFAULTS.keyPrefix,
      commitIntervalMs: config.commitIntervalMs ?? DEFAULTS.commitIntervalMs,
      maxPendingChanges: config.maxPendingChanges ?? DEFAULTS.maxPendingChanges,
      cacheEntriesPerTask: config.cacheEntriesPerTask ?? DEFAULTS.cacheEntriesPerTask,
      replicationFactor: config.replicationFactor ?? DEFAULTS.replicationFactor,
    };
  }

  get currentState(): StreamsState {
    return this.state;
  }

  /** Running, with a partition assignment whose every task has restored its stores. */
  isReady(): boolean {
    const assigned = Object.entries(this.assignment).flatMap(([topic, partitions]) => partitions.map((p) => this.taskIdFor(topic, p)));
    return this.state === 'RUNNING' && assigned.length > 0 && assigned.every((id) => this.tasks.get(id)?.isReady === true);
  }

  /** The tasks (`<sub-topology>_<partition>`) of this instance's current assignment, sorted. */
  assignedTasks(): string[] {
    const ids = Object.entries(this.assignment).flatMap(([topic, partitions]) => partitions.map((p) => this.taskIdFor(topic, p)));
    return [...new Set(ids)].sort();
  }

  /** This instance's current partition assignment: topic → partitions (a copy). */
  assignedPartitions(): Record<string, number[]> {
    return Object.fromEntries(Object.entries(this.assignment).map(([topic, partitions]) => [topic, [...partitions]]));
  }

  /**
   * Reads one committed store entry straight from Redis (Kafka Streams'
   * interactive queries). The entry is found on the partition the default
   * (Java-compatible murmur2) partitioner gives `partitionKey`: by default its
   * own key, as when a store is keyed as the records of its sub-topology's
   * source; a store whose keys extend the record key (e.g. `<experiment>|<cell>`
   * in the experiment's partition) passes the record key.
   */
  async query<V>(store: string, key: string, partitionKey: string = key): Promise<V | undefined> {
    const [value] = await this.queryAll<V>(store, [key], partitionKey);
    return value;
  }

  /** Several entries of one partition (all placed by `partitionKey`) in one Redis round trip. */
  async queryAll<V>(store: string, keys: string[], partitionKey: string): Promise<Array<V | undefined>> {
    if (keys.length === 0) return [];
    const subtopology = this.topology.subtopologies.find((s) => s.stores.some((d) => d.name === store));
    if (!subtopology) throw new StreamsError(`no sub-topology has a state store named "${store}"`);
    const partitions = this.partitionCounts.get(subtopology.id);
    if (partitions === undefined) throw new StreamsError('the runtime has not started yet');
    const task = taskKeys(this.settings.keyPrefix, this.topology.applicationId, taskIdOf(subtopology.id, partitionOfKey(partitionKey, partitions)));
    // One task's keys share a hash tag: one MGET, also on Redis Cluster.
    const raw = await this.config.redis.mget(...keys.map((key) => task.entry(store, key)));
    return raw.map((value) => (value === null ? undefined : (JSON.parse(value) as V)));
  }

  async start(): Promise<void> {
    if (this.state !== 'CREATED') throw new StreamsError(`start() called in state ${this.state}`);
    const { kafka, logger } = this.config;
    this.admin = kafka.admin();
    await this.admin.connect();
    this.partitionCounts = await createInternalTopics(this.admin, this.topology, { repartitionPartitions: this.config.repartitionPartitions, replicationFactor: this.settings.replicationFactor });
    const sessionTimeout = this.config.sessionTimeoutMs ?? DEFAULTS.sessionTimeoutMs;
    const consumer = kafka.consumer({
      groupId: this.topology.applicationId,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: FETCH_BYTES_PER_PARTITION,
      maxBytes: FETCH_MAX_BYTES,
      sessionTimeout,
      heartbeatInterval: Math.max(100, Math.floor(sessionTimeout / HEARTBEATS_PER_SESSION)),
      partitionAssigners: this.partitionAssigners(),
    });
    this.consumer = consumer;
    await consumer.connect();
    for (const topic of this.topology.subtopologies.flatMap((s) => s.sourceTopics)) await consumer.subscribe({ topic, fromBeginning: true });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => this.onAssignment(payload.memberAssignment));
    consumer.on(consumer.events.REBALANCING, () => (this.state = 'REBALANCING'));
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      logger.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
      if (!payload.restart) this.state = 'ERROR';
    });
    this.state = 'REBALANCING';
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Every task may process at once: while one waits on Redis or Kafka, others use the CPU.
      partitionsConsumedConcurrently: this.topology.subtopologies.reduce((sum, s) => sum + (this.partitionCounts.get(s.id) ?? 0) * s.sourceTopics.length, 0),
      eachBatch: (payload) => this.onBatch(payload.batch, payload),
    });
    this.commitTimer = setInterval(() => this.tick(), Math.min(TICK_MAX_MS, Math.max(TICK_MIN_MS, Math.floor(this.settings.commitIntervalMs / 4))));
  }

  /** Graceful shutdown: finish the batch in hand, commit every task, leave the group. */
  async close(): Promise<void> {
    if (this.state === 'NOT_RUNNING' || this.state === 'CREATED') return;
    this.state = 'PENDING_SHUTDOWN';
    clearInterval(this.commitTimer);
    await this.consumer?.stop();
    for (const [id, slot] of this.tasks) {
      await slot.task.serialize(async () => {
        if (slot.isReady) await slot.task.flush().catch((error: unknown) => this.config.logger.error({ task: id, err: error }, 'final commit failed'));
        await slot.task.close();
      });
    }
    this.tasks.clear();
    // A recovery in flight closes the task it replaces: done before close() returns, nothing is left open.
    await Promise.all(this.recovering.values());
    await this.consumer?.disconnect();
    await this.admin?.disconnect();
    this.state = 'NOT_RUNNING';
  }

  /**
   * Tasks, not partitions, are assigned (see partition-assigner.ts). Where
   * every sub-topology reads one topic, round-robin is offered as a second
   * choice: it keeps tasks whole there, and lets a group of instances
   * that know only round-robin be upgraded one instance at a time.
   */
  private partitionAssigners(): PartitionAssigner[] {
    const streams = createStreamsPartitionAssigner(this.topology, { ownedTasks: () => this.assignedTasks(), logger: this.config.logger });
    return this.topology.subtopologies.every((s) => s.sourceTopics.length === 1) ? [streams, PartitionAssigners.roundRobin] : [streams];
  }

  private taskIdFor(topic: string, partition: number): string {
    const subtopology = this.topology.subtopologies.find((s) => s.sourceTopics.includes(topic));
    if (!subtopology) throw new StreamsError(`topic ${topic} is not a source of this topology`);
    return taskIdOf(subtopology.id, partition);
  }

  private onAssignment(assignment: Record<string, number[]>): void {
    this.assignment = assignment;
    const assigned = new Set(Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((p) => this.taskIdFor(topic, p))));
    for (const [id, slot] of this.tasks) {
      if (assigned.has(id)) continue;
      this.tasks.delete(id);
      // A commit in flight may still land; the next owner's initialization fences it otherwise.
      void slot.task.serialize(async () => {
        await slot.task.commitInFlight?.catch(() => undefined);
        await slot.task.close();
      }).catch((error: unknown) => this.config.logger.warn({ task: id, err: error }, 'closing a revoked task failed'));
    }
    // A task whose initialization fails (e.g. a broker not yet leader of a new changelog) is retried with backoff while assigned.
    const watched = new Set<string>();
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const slot = this.slotFor(topic, partition);
        if (watched.has(slot.task.id)) continue;
        watched.add(slot.task.id);
        slot.ready.catch(() => void this.reinitialize(topic, partition));
      }
    }
    this.state = 'RUNNING';
    this.config.logger.info({ assignment }, 'partitions assigned');
  }

  private slotFor(topic: string, partition: number): TaskSlot {
    const id = this.taskIdFor(topic, partition);
    const existing = this.tasks.get(id);
    if (existing) return existing;
    const subtopology = this.topology.subtopologies.find((s) => s.sourceTopics.includes(topic)) as Subtopology;
    const state = new TaskState(id, this.scripts, taskKeys(this.settings.keyPrefix, this.topology.applicationId, id), subtopology.stores, this.settings.cacheEntriesPerTask);
    const task = new StreamTask({
      topology: this.topology,
      subtopology,
      partition,
      kafka: this.config.kafka,
      admin: this.admin as Admin,
      state,
      logger: this.config.logger,
      restoreListener: {
        ...this.config.restoreListener,
        onBatchRestored: (taskId, store, end, restored) => {
          this.metrics.restoredRecords.inc({ store }, restored);
          this.config.restoreListener?.onBatchRestored?.(taskId, store, end, restored);
        },
      },
    });
    this.metrics.tasksRestoring.inc();
    const slot: TaskSlot = { task, isReady: false, ready: Promise.resolve(), ticking: false };
    slot.ready = task.serialize(() => task.initialize()).then(
      () => {
        slot.isReady = true;
        this.metrics.tasksRestoring.dec();
      },
      (error: unknown) => {
        this.metrics.tasksRestoring.dec();
        this.tasks.delete(id);
        throw error;
      },
    );
    slot.ready.catch((error: unknown) => this.config.logger.error({ task: id, err: error }, 'task initialization failed'));
    this.tasks.set(id, slot);
    return slot;
  }

  private async onBatch(batch: Batch, payload: { resolveOffset(offset: string): void; heartbeat(): Promise<void>; isStale(): boolean; isRunning(): boolean }): Promise<void> {
    const recovery = this.recovering.get(this.taskIdFor(batch.topic, batch.partition));
    if (recovery) {
      // Fetched from before the rewind: dropped unresolved, the partition is fetched again from where the recovery put it.
      await this.awaitWithHeartbeat(recovery, payload.heartbeat);
      return;
    }
    const slot = this.slotFor(batch.topic, batch.partition);
    await this.awaitWithHeartbeat(slot.ready, payload.heartbeat);
    if (payload.isStale() || !payload.isRunning() || this.tasks.get(slot.task.id) !== slot) return;
    const delay = this.rateLimit && !this.topology.repartitionTopics.includes(batch.topic) ? this.rateLimit.delayFor(batch.messages.length) : 0;
    if (delay > 0) await this.awaitWithHeartbeat(new Promise((resolve) => setTimeout(resolve, delay)), payload.heartbeat);
    const started = process.hrtime.bigint();
    const { task } = slot;
    try {
      await task.serialize(async () => {
        const processed = await task.process(batch.topic, batch.messages, batch.partition);
        this.metrics.recordsProcessed.inc({ subtopology: task.id.split('_')[0] }, processed);
        // Stream time may have moved: stream-time punctuations are due now, not at the next tick.
        this.metrics.punctuations.inc(await task.punctuate());
        // Backpressure: processing may run ahead of the commit in flight by one more commit's worth.
        if (task.pendingChanges >= 2 * this.settings.maxPendingChanges) await task.commitInFlight;
        if (task.commitDue(this.settings.commitIntervalMs, this.settings.maxPendingChanges)) this.startCommit(slot, batch.topic);
      });
    } catch (error) {
      await this.recover(slot, batch.topic, error);
      return;
    }
    payload.resolveOffset(batch.lastOffset());
    this.metrics.lag.set({ topic: batch.topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
    this.metrics.batchLatency.observe(Number(process.hrtime.bigint() - started) / 1e9);
    await payload.heartbeat();
  }

  /** Starts a task's commit in the background; batches go on meanwhile. A failed commit recovers the task. */
  private startCommit(slot: TaskSlot, topic: string): void {
    const commit = slot.task.startCommit();
    if (!commit) return;
    const stop = this.metrics.commitLatency.startTimer();
    commit.then(
      () => {
        stop();
        this.metrics.commits.inc({ outcome: 'committed' });
      },
      (error: unknown) => {
        stop();
        this.metrics.commits.inc({ outcome: 'failed' });
        void this.recover(slot, topic, error);
      },
    );
  }

  /**
   * The runtime's timer: runs the wall-clock punctuations that are due and
   * starts the commits that are due, without traffic too. Each task's work is
   * queued behind its batches (serialize); a task whose earlier tick has not
   * run yet is skipped, so a slow task never piles up ticks.
   */
  private tick(): void {
    const now = Date.now();
    for (const [id, slot] of this.tasks) {
      const { task } = slot;
      if (!slot.isReady || slot.ticking) continue;
      if (!task.punctuationDue(now) && !task.commitDue(this.settings.commitIntervalMs, this.settings.maxPendingChanges, now)) continue;
      const topic = this.topology.subtopologies[Number(id.split('_')[0])]?.sourceTopics[0] as string;
      slot.ticking = true;
      task
        .serialize(async () => {
          slot.ticking = false;
          // Revoked or recovering meanwhile: the task is closed or being replaced.
          if (this.tasks.get(id) !== slot) return;
          this.metrics.punctuations.inc(await task.punctuate());
          if (task.commitDue(this.settings.commitIntervalMs, this.settings.maxPendingChanges)) this.startCommit(slot, topic);
        })
        .catch((error: unknown) => void this.recover(slot, topic, error));
    }
  }

  /**
   * A batch or commit failed: what the task held in memory cannot be trusted.
   * Drop it, re-initialize from Kafka (fencing whatever transaction was left
   * open) and rewind the consumer to the committed offsets.
   */
  private async recover(slot: TaskSlot, topic: string, error: unknown): Promise<void> {
    const { task } = slot;
    if (this.tasks.get(task.id) !== slot) return;
    this.metrics.taskRecoveries.inc({ reason: error instanceof Error ? error.name : 'unknown' });
    this.config.logger.warn({ task: task.id, err: error }, 'task failed; re-initializing it from Kafka');
    this.tasks.delete(task.id);
    let recovered: () => void = () => undefined;
    this.recovering.set(task.id, new Promise<void>((resolve) => (recovered = resolve)));
    try {
      await this.reinitializeAndRewind(task, topic);
    } finally {
      this.recovering.delete(task.id);
      recovered();
    }
  }

  private async reinitializeAndRewind(task: StreamTask, topic: string): Promise<void> {
    await task.commitInFlight?.catch(() => undefined);
    await task.serialize(() => task.close()).catch((closeError: unknown) => this.config.logger.warn({ task: task.id, err: closeError }, 'closing a failed task failed'));
    // Until the task is back, nothing may process its partition: the consumer's position is past what was committed.
    const fresh = await this.reinitialize(topic, task.partition);
    if (!fresh) return;
    for (const sourceTopic of this.topology.subtopologies[Number(task.id.split('_')[0])]?.sourceTopics ?? []) {
      const next = fresh.task.processedNext.get(sourceTopic);
      const offset = next ?? BigInt((await (this.admin as Admin).fetchTopicOffsets(sourceTopic)).find((o) => o.partition === task.partition)?.low ?? '0');
      this.consumer?.seek({ topic: sourceTopic, partition: task.partition, offset: String(offset) });
    }
  }

  /**
   * Initializes a task again with @abtest/retry's backoff until it works or
   * the task is no longer this instance's to run (revoked, or the runtime
   * stopping). Every failure here is taken as retriable, whatever it says:
   * while the task is assigned, its causes pass (Kafka or Redis down, a
   * broker moving leaders, the previous owner fencing it back during a
   * rebalance), as Kafka Streams keeps recovering a task it owns.
   */
  private async reinitialize(topic: string, partition: number): Promise<TaskSlot | undefined> {
    const stopped = () => this.state === 'PENDING_SHUTDOWN' || this.state === 'NOT_RUNNING' || !this.assignment[topic]?.includes(partition);
    return retry(
      async () => {
        // Stopped, or revoked meanwhile (its new owner initializes it).
        if (stopped()) return undefined;
        const slot = this.slotFor(topic, partition);
        await slot.ready.catch((error: unknown) => Promise.reject(new TaskInitializationError(`${topic}[${partition}]`, error)));
        return slot;
      },
      {
        initialDelayMs: RECOVERY_BACKOFF_MS,
        maxDelayMs: RECOVERY_BACKOFF_MAX_MS,
        onRetry: (err, attempt, delay) => this.config.logger.warn({ topic, partition, attempt, delay, err }, 'task re-initialization failed; retrying'),
      },
    );
  }



  private async awaitWithHeartbeat(promise: Promise<void>, heartbeat: () => Promise<void>): Promise<void> {
    let settled = false;
    const done = promise.finally(() => (settled = true));
    while (!settled) {
      await Promise.race([done, new Promise((resolve) => setTimeout(resolve, HEARTBEAT_WHILE_WAITING_MS))]);
      if (!settled) await heartbeat();
    }
    await done;
  }
}

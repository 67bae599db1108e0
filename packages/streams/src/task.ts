import type { Admin, Kafka, KafkaMessage, Producer, RecordMetadata, TopicMessages } from 'kafkajs';
import { chunkBySize } from './commit-chunks';
import { StateLostError, StreamsError } from './errors';
import { forwardTargets } from './forwarding';
import type { Logger } from './logger';
import type { Processor, ProcessorContext } from './processor';
import { PunctuationSchedule, type DuePunctuation } from './punctuation';
import type { OutputRecord, StoreKey, StreamRecord } from './record';
import { changelogRecords } from './changelog-records';
import { restoreStores, type StateRestoreListener } from './restorer';
import { taskIdOf } from './task-assignor';
import type { StoreChange, TaskState } from './task-state';
import { CHANGELOG_SUFFIX, changelogTopic, type SinkNode, type SourceNode, type Subtopology, type Topology, type TopologyNode } from './topology';

/**
 * Records processed between two turns of the event loop. A fetched batch
 * can hold tens of thousands of records; processed in one go, it kept every
 * other task's commit round trip (and Redis reply) waiting for it.
 */
const MAX_RECORDS_PER_SLICE = 1_000;
/** Records without headers share one (never written) object. */
const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

export interface TaskDependencies {
  topology: Topology;
  subtopology: Subtopology;
  partition: number;
  kafka: Kafka;
  admin: Admin;
  state: TaskState;
  logger: Logger;
  restoreListener?: StateRestoreListener;
}

export interface CommitOutcome {
  changes: number;
  outputs: number;
}

/** A commit failed with an unknown outcome: the task must be re-initialized from Kafka. */
export class TaskCorruptedError extends StreamsError {
  override readonly name = 'TaskCorruptedError';
}

/**
 * Kafka Streams' StreamTask: one partition of one sub-topology. Processes
 * batches into the task's pending state and outputs, and commits them as one
 * Kafka transaction (changelog records, output records, consumer offsets),
 * after which Redis is brought up to the changelog in one script call.
 */
export class StreamTask {
  readonly id: string;
  /** Next offset to process per source topic; records below it are already reflected. */
  readonly processedNext = new Map<string, bigint>();
  private producer: Producer | undefined;
  private readonly processors = new Map<string, Processor>();
  private readonly punctuations = new PunctuationSchedule();
  /** Largest timestamp of the records processed since the task was initialized (Kafka Streams' stream time). */
  private streamTime: number | undefined;
  private readonly outputs = new Map<string, OutputRecord[]>();
  private readonly merged = new Map<string, Map<string, OutputRecord>>();
  private dirty = false;
  private inFlight: Promise<CommitOutcome> | undefined;
  private lastCommitAt = Date.now();
  private commitSequence = 0;
  private queue: Promise<unknown> = Promise.resolve();
  /**
   * Set when a batch or a commit failed: the task's pending state may hold a
   * half-processed batch, so it must never be committed. With several source
   * topics, batches of the other topics are queued behind the failed one and
   * would otherwise process and commit it before the runtime recovers the task.
   */
  private failure: unknown;

  constructor(private readonly deps: TaskDependencies) {
    this.id = taskIdOf(deps.subtopology.id, deps.partition);
  }

  get partition(): number {
    return this.deps.partition;
  }

  get pendingChanges(): number {
    return this.deps.state.pendingChangeCount;
  }

  /** Runs `work` after every earlier piece of work on this task (batches and commits never overlap). */
  serialize<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Fences earlier owners (Kafka: the transactional id; Redis: the epoch),
   * reads the committed input offsets and restores every store that Redis
   * has lost or holds behind its changelog.
   */
  async initialize(heartbeat?: () => Promise<void>): Promise<void> {
    try {
      await this.open(heartbeat);
    } catch (error) {
      // The runtime drops a task whose initialization failed (and retries with a new one): its
      // producer's connections would otherwise stay open and keep the process alive after close().
      await this.close().catch((closeError: unknown) => this.deps.logger.warn({ task: this.id, err: closeError }, 'closing a task whose initialization failed failed too'));
      throw error;
    }
  }

  private async open(heartbeat?: () => Promise<void>): Promise<void> {
    const { topology, subtopology, partition, kafka } = this.deps;
    this.producer = kafka.producer({ transactionalId: `${topology.applicationId}-${this.id}`, idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    // Fence now, before reading the changelog and the offsets: kafkajs registers the transactional id
    // (InitProducerId, which completes or aborts the previous owner's open transaction) only at the
    // first transaction. Fencing later let a commit of the previous owner land between our restore
    // and our offset fetch: its offsets counted as done, its state in neither Redis nor our restore.
    await (await this.producer.transaction()).abort();
    await this.restore(heartbeat);
    for (const topic of subtopology.sourceTopics) {
      const [committed] = await this.deps.admin.fetchOffsets({ groupId: topology.applicationId, topics: [topic] });
      const offset = committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
      if (BigInt(offset) >= 0n) this.processedNext.set(topic, BigInt(offset));
    }
    for (const node of subtopology.nodes) {
      if (node.kind !== 'processor') continue;
      const processor = node.supplier();
      processor.init?.(this.context(node.name));
      this.processors.set(node.name, processor);
    }
  }

  /** Brings Redis up to the changelogs: claims the task, then replays what Redis lacks. */
  async restore(heartbeat?: () => Promise<void>): Promise<void> {
    const { topology, subtopology, partition, kafka, state } = this.deps;
    const { positions } = await state.claim();
    const requests = [];
    for (const store of subtopology.stores) {
      const topic = changelogTopic(topology.applicationId, store.name);
      const [offsets] = (await this.deps.admin.fetchTopicOffsets(topic)).filter((o) => o.partition === partition);
      if (!offsets) throw new StreamsError(`changelog topic ${topic} has no partition ${partition} (yet: its creation may still be propagating)`, { retriable: true });
      const stored = positions.get(store.name);
      const from = stored === undefined ? BigInt(offsets.low) : stored + 1n;
      requests.push({ taskId: this.id, state, store: store.name, topic, partition, from, to: BigInt(offsets.high) });
    }
    await restoreStores({ kafka, applicationId: topology.applicationId, requests, logger: this.deps.logger, listener: this.deps.restoreListener, heartbeat });
  }

  /** Processes fetched records of one source topic into pending state and outputs. */
  async process(topic: string, messages: KafkaMessage[], partition: number): Promise<number> {
    if (this.failure !== undefined) throw new TaskCorruptedError(`task ${this.id} failed earlier and must be re-initialized`, { cause: this.failure });
    try {
      return await this.processBatch(topic, messages, partition);
    } catch (error) {
      this.failure = error;
      throw error;
    }
  }

  private async processBatch(topic: string, messages: KafkaMessage[], partition: number): Promise<number> {
    const fresh = unprocessed(messages, this.processedNext.get(topic));
    if (fresh.length === 0) return 0;
    const sources = this.deps.subtopology.nodes.filter((node): node is SourceNode => node.kind === 'source' && node.topics.includes(topic));
    for (let start = 0; start < fresh.length; start += MAX_RECORDS_PER_SLICE) {
      // Between slices, whatever else waits on the event loop runs: other tasks' commits take round trips, each waiting for the loop.
      if (start > 0) await new Promise((resolve) => setImmediate(resolve));
      const slice = fresh.slice(start, start + MAX_RECORDS_PER_SLICE);
      this.deps.state.beginBatch();
      const inputs = new Map<string, StreamRecord[]>();
      for (const source of sources) inputs.set(source.name, slice.map((m) => toStreamRecord(m, topic, partition, source.deserialize)));
      await this.runNodes(inputs);
    }
    let streamTime = this.streamTime ?? Number.NEGATIVE_INFINITY;
    for (const message of fresh) streamTime = Math.max(streamTime, Number(message.timestamp));
    this.streamTime = streamTime;
    this.processedNext.set(topic, BigInt((fresh[fresh.length - 1] as KafkaMessage).offset) + 1n);
    this.dirty = true;
    return fresh.length;
  }

  /** Runs every node that has input, in topological order: what a node forwards is its children's input. */
  private async runNodes(inputs: Map<string, StreamRecord[]>): Promise<void> {
    for (const node of this.deps.subtopology.nodes) {
      const records = inputs.get(node.name) ?? [];
      if (records.length === 0) continue;
      if (node.kind === 'source') {
        for (const child of this.deps.topology.children(node.name)) appendAll(inputs, child.name, records);
      } else if (node.kind === 'processor') {
        await this.runProcessor(node.name, records, inputs);
      } else {
        for (const record of records) this.emit(node, record);
      }
    }
  }

  /** Whether a punctuation is due now (the runtime's timer asks before queueing work on the task). */
  punctuationDue(now = Date.now()): boolean {
    return this.failure === undefined && this.punctuations.isDue(now, this.streamTime);
  }

  /**
   * Runs the punctuators that are due (Kafka Streams' punctuate), each like a
   * batch: its store writes and forwards, and what the rest of the
   * sub-topology makes of them, join the pending state and outputs, committed
   * with the next commit (input offsets unchanged). Must be called between
   * batches (inside serialize). A failed task runs none; a throw fails it.
   */
  async punctuate(now = Date.now()): Promise<number> {
    if (this.failure !== undefined) return 0;
    const due = this.punctuations.takeDue(now, this.streamTime);
    let ran = 0;
    try {
      for (const punctuation of due) {
        // An earlier punctuator of this round may have cancelled it.
        if (punctuation.punctuation.cancelled) continue;
        await this.runPunctuator(punctuation);
        ran += 1;
      }
    } catch (error) {
      this.failure = error;
      throw error;
    }
    if (this.deps.state.pendingChangeCount > 0 || this.outputs.size > 0 || this.merged.size > 0) this.dirty = true;
    return ran;
  }

  private async runPunctuator({ punctuation, timestamp }: DuePunctuation): Promise<void> {
    this.deps.state.beginBatch();
    const inputs = new Map<string, StreamRecord[]>();
    this.currentForward = this.forwarder(punctuation.processor, inputs);
    this.currentTimestamp = timestamp;
    await punctuation.punctuator(timestamp);
    await this.runNodes(inputs);
  }

  commitDue(commitIntervalMs: number, maxPendingChanges: number, now = Date.now()): boolean {
    return this.dirty && this.failure === undefined && this.inFlight === undefined && (now - this.lastCommitAt >= commitIntervalMs || this.deps.state.pendingChangeCount >= maxPendingChanges);
  }

  /** The commit in flight, if any. */
  get commitInFlight(): Promise<CommitOutcome> | undefined {
    return this.inFlight;
  }

  /**
   * Starts a commit of everything processed so far and returns it; processing
   * may go on meanwhile (its changes go to the next commit). Must be called
   * between batches (inside serialize). One commit at a time: undefined when
   * one is in flight or nothing is pending.
   */
  startCommit(): Promise<CommitOutcome> | undefined {
    if (!this.dirty || this.inFlight || this.failure !== undefined) return undefined;
    const changes = this.deps.state.beginCommit();
    const outputs = [...this.outputs].map(([sink, records]) => ({ sink, records }));
    for (const [sink, byKey] of this.merged) outputs.push({ sink, records: [...byKey.values()] });
    this.outputs.clear();
    this.merged.clear();
    const offsets = [...this.processedNext].map(([topic, next]) => ({ topic, partitions: [{ partition: this.partition, offset: String(next) }] }));
    this.dirty = false;
    this.lastCommitAt = Date.now();
    const commit = this.runCommit(changes, outputs, offsets);
    this.inFlight = commit;
    void commit.then(
      () => (this.inFlight = undefined),
      (error: unknown) => {
        this.failure = error;
        this.inFlight = undefined;
      },
    );
    return commit;
  }

  /** Waits for the commit in flight, then commits what is left (at shutdown). */
  async flush(): Promise<void> {
    await this.inFlight;
    await this.startCommit();
  }

  /**
   * One Kafka transaction with the commit's changelog records, output records
   * and input offsets; then Redis catches up to the changelog. A failed
   * transaction throws TaskCorruptedError: its outcome is unknown, so the task
   * must be re-initialized (which fences and aborts whatever is open).
   */
  private async runCommit(changes: StoreChange[], outputs: Array<{ sink: string; records: OutputRecord[] }>, offsets: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>): Promise<CommitOutcome> {
    const producer = this.producer;
    if (!producer) throw new StreamsError(`task ${this.id} is not initialized`);
    const topicMessages = [...this.changelogMessages(changes), ...(await this.outputMessages(outputs))];
    const transaction = await producer.transaction();
    const positions = new Map<string, bigint>();
    try {
      for (const chunk of chunkBySize(topicMessages)) {
        const metadata = await transaction.sendBatch({ topicMessages: chunk, acks: -1 });
        this.trackChangelogPositions(chunk, metadata, positions);
      }
      await transaction.sendOffsets({ consumerGroupId: this.deps.topology.applicationId, topics: offsets });
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch((abortError: unknown) => this.deps.logger.warn({ task: this.id, err: abortError }, 'abort after a failed commit failed too'));
      throw new TaskCorruptedError(`commit of task ${this.id} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    await this.applyCommitted(changes, positions);
    return { changes: changes.length, outputs: topicMessages.length };
  }

  async close(): Promise<void> {
    this.punctuations.clear();
    for (const processor of this.processors.values()) processor.close?.();
    this.processors.clear();
    this.deps.state.reset();
    await this.producer?.disconnect();
    this.producer = undefined;
  }

  private async runProcessor(name: string, records: StreamRecord[], inputs: Map<string, StreamRecord[]>): Promise<void> {
    const processor = this.processors.get(name);
    if (!processor) throw new StreamsError(`processor ${name} of task ${this.id} is not initialized`);
    if (processor.prefetch) {
      const wanted: StoreKey[] = [];
      for (const record of records) wanted.push(...processor.prefetch(record));
      await this.deps.state.prefetch(wanted);
    }
    this.currentForward = this.forwarder(name, inputs);
    for (const record of records) {
      this.currentTimestamp = record.timestamp;
      processor.process(record);
    }
    processor.endBatch?.();
  }

  /** Forwards of processor `name` become its children's input (stamped with the current record's or punctuation's time). */
  private forwarder(name: string, inputs: Map<string, StreamRecord[]>): (record: OutputRecord, childName?: string) => void {
    const children = this.deps.topology.children(name);
    const targetsByName = new Map<string | undefined, readonly TopologyNode[]>();
    return (record, childName) => {
      let targets = targetsByName.get(childName);
      if (!targets) targetsByName.set(childName, (targets = forwardTargets(name, children, childName)));
      const forwarded: StreamRecord = { key: record.key, value: record.value, timestamp: record.timestamp ?? this.currentTimestamp, headers: record.headers ?? NO_HEADERS, topic: '', partition: this.partition, offset: '-1' };
      for (const child of targets) appendOne(inputs, child.name, forwarded);
    };
  }

  private currentForward: (record: OutputRecord, childName?: string) => void = () => undefined;
  private currentTimestamp = 0;

  private context(processorName: string): ProcessorContext {
    return {
      applicationId: this.deps.topology.applicationId,
      taskId: this.id,
      partition: this.partition,
      getStateStore: (name) => {
        const node = this.deps.subtopology.nodes.find((n) => n.name === processorName);
        if (node?.kind !== 'processor' || !node.stores.includes(name)) throw new StreamsError(`processor "${processorName}" is not connected to state store "${name}"`);
        return this.deps.state.store(name);
      },
      forward: (record, childName) => this.currentForward(record, childName),
      schedule: (intervalMs, type, punctuator) => this.punctuations.add(processorName, intervalMs, type, punctuator, Date.now()),
      prefetch: (keys) => this.deps.state.prefetch(keys),
    };
  }

  private emit(sink: SinkNode, record: StreamRecord): void {
    const output: OutputRecord = { key: record.key, value: record.value, timestamp: record.timestamp, headers: record.headers };
    if (!sink.merge || record.key === null) {
      const list = this.outputs.get(sink.name);
      if (list) list.push(output);
      else this.outputs.set(sink.name, [output]);
      return;
    }
    const byKey = this.merged.get(sink.name) ?? new Map<string, OutputRecord>();
    const previous = byKey.get(record.key);
    byKey.set(record.key, previous ? { ...output, value: sink.merge(previous.value, record.value) } : output);
    this.merged.set(sink.name, byKey);
  }

  private changelogMessages(changes: StoreChange[]): TopicMessages[] {
    const byStore = new Map<string, StoreChange[]>();
    for (const change of changes) {
      const list = byStore.get(change.store);
      if (list) list.push(change);
      else byStore.set(change.store, [change]);
    }
    this.commitSequence += 1;
    return [...byStore].map(([name, storeChanges]) => {
      const store = this.deps.subtopology.stores.find((s) => s.name === name);
      if (!store) throw new StreamsError(`task ${this.id} changed store "${name}", which is not in its sub-topology`);
      // Unique per owner (epoch) and commit: batch records must never compact each other away.
      const batchKey = (index: number) => `${this.id}:${this.deps.state.epoch}:${this.commitSequence}:${index}`;
      return { topic: changelogTopic(this.deps.topology.applicationId, name), messages: changelogRecords(store, storeChanges, this.partition, batchKey) };
    });
  }

  private async outputMessages(outputs: Array<{ sink: string; records: OutputRecord[] }>): Promise<TopicMessages[]> {
    const result: TopicMessages[] = [];
    for (const { sink, records } of outputs) {
      const node = this.deps.subtopology.nodes.find((n): n is SinkNode => n.kind === 'sink' && n.name === sink);
      if (!node || records.length === 0) continue;
      const messages = await Promise.all(
        records.map(async (r) => ({ key: r.key, value: await node.serialize(r.value), headers: r.headers, timestamp: r.timestamp === undefined ? undefined : String(r.timestamp) })),
      );
      result.push({ topic: node.topic, messages });
    }
    return result;
  }

  /** A changelog chunk of n records acknowledged at base offset b ends at b + n - 1: the store's new position. */
  private trackChangelogPositions(chunk: TopicMessages[], metadata: RecordMetadata[], positions: Map<string, bigint>): void {
    const prefix = `${this.deps.topology.applicationId}-`;
    for (const { topic, messages } of chunk) {
      if (!topic.startsWith(prefix) || !topic.endsWith(CHANGELOG_SUFFIX)) continue;
      const store = topic.slice(prefix.length, -CHANGELOG_SUFFIX.length);
      const acknowledged = metadata.find((m) => m.topicName === topic && m.partition === this.partition);
      if (!acknowledged?.baseOffset) throw new StreamsError(`no produce acknowledgement for changelog ${topic} partition ${this.partition}`);
      const end = BigInt(acknowledged.baseOffset) + BigInt(messages.length) - 1n;
      if (end > (positions.get(store) ?? -1n)) positions.set(store, end);
    }
  }

  /** Redis catches up to the committed changelog; if Redis lost the task's state meanwhile, restoring does it. */
  private async applyCommitted(changes: StoreChange[], positions: Map<string, bigint>): Promise<void> {
    try {
      if (changes.length > 0) await this.deps.state.apply(changes, positions);
      this.deps.state.endCommit();
    } catch (error) {
      if (!(error instanceof StateLostError)) throw error;
      this.deps.logger.warn({ task: this.id }, error.message);
      this.deps.state.reset();
      await this.restore();
    }
  }
}

function appendAll(inputs: Map<string, StreamRecord[]>, name: string, records: StreamRecord[]): void {
  const list = inputs.get(name);
  if (!list) inputs.set(name, [...records]);
  else for (const record of records) list.push(record);
}

function appendOne(inputs: Map<string, StreamRecord[]>, name: string, record: StreamRecord): void {
  const list = inputs.get(name);
  if (list) list.push(record);
  else inputs.set(name, [record]);
}

/** The messages at or after `next` (offsets ascend within a fetched batch): usually all of them, found without a BigInt per message. */
function unprocessed(messages: KafkaMessage[], next: bigint | undefined): KafkaMessage[] {
  if (next === undefined || messages.length === 0) return messages;
  if (BigInt((messages[messages.length - 1] as KafkaMessage).offset) < next) return [];
  if (BigInt((messages[0] as KafkaMessage).offset) >= next) return messages;
  return messages.filter((m) => BigInt(m.offset) >= next);
}

function toStreamRecord(message: KafkaMessage, topic: string, partition: number, deserialize: (value: Buffer | null, key: string | null) => unknown): StreamRecord {
  const key = message.key === null ? null : message.key.toString();
  return { key, value: deserialize(message.value, key), timestamp: Number(message.timestamp), headers: headersOf(message.headers), topic, partition, offset: message.offset };
}

function headersOf(raw: KafkaMessage['headers']): Record<string, string> {
  if (raw === undefined) return NO_HEADERS;
  let headers: Record<string, string> | undefined;
  for (const name in raw) {
    const value = raw[name];
    if (value !== undefined) (headers ??= {})[name] = value.toString();
  }
  return headers ?? NO_HEADERS;
}

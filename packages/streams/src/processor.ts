import type { Cancellable, PunctuationType, Punctuator } from './punctuation';
import type { OutputRecord, StoreKey, StreamRecord } from './record';

/** A key-value state store as processors see it during one batch. */
export interface KeyValueStore<V> {
  /** The value, or undefined. Only keys returned by prefetch() may be read. */
  get(key: string): V | undefined;
  put(key: string, value: V): void;
  delete(key: string): void;
}

export interface ProcessorContext {
  readonly applicationId: string;
  readonly taskId: string;
  readonly partition: number;
  getStateStore<V>(name: string): KeyValueStore<V>;
  /**
   * Sends a record to every child of the current processor, or only to the
   * child named `childName` (Kafka Streams' `To.child(name)`); an unknown
   * name throws a StreamsError.
   */
  forward<V>(record: OutputRecord<V>, childName?: string): void;
  /**
   * Kafka Streams' `schedule`: calls `punctuator` every `intervalMs` of wall-clock
   * time (also without traffic) or of stream time (the largest record timestamp
   * the task has processed). It runs in the task's serialized work, never during
   * a batch or as a commit starts; what it puts into stores and forwards goes
   * through the rest of the sub-topology and into the task's next commit (one
   * Kafka transaction, as a batch's). A throw fails the task like a failed batch.
   * The schedule belongs to this processor: it ends with cancel() or when the
   * task closes; a re-initialized task's new processors schedule again in init().
   */
  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable;
  /**
   * Loads store keys before a punctuator reads them (stores are read
   * synchronously from what was loaded); records get theirs from prefetch(record).
   */
  prefetch(keys: StoreKey[]): Promise<void>;
}

/**
 * Kafka Streams' Processor, batch-aware: before a batch is processed the
 * runtime asks every record which store keys it will read and fetches them
 * all in one Redis round trip, so process() itself is synchronous.
 */
export interface Processor<V = unknown> {
  init?(context: ProcessorContext): void;
  prefetch?(record: StreamRecord<V>): StoreKey[];
  process(record: StreamRecord<V>): void;
  /**
   * Called after each batch of records (a slice of at most 1,000 records of a
   * fetched batch), before the children process what was forwarded: a
   * processor that gathers over a batch, e.g. summing
   * increments, forwards here. What a failed batch gathered is never seen:
   * the task re-initializes and gets new processors.
   */
  endBatch?(): void;
  close?(): void;
}

export type ProcessorSupplier<V = unknown> = () => Processor<V>;

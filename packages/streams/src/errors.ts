/**
 * One error hierarchy for the runtime. `retriable` says whether repeating the
 * same operation may succeed; the runtime's retry loop reads nothing else.
 */
export class StreamsError extends Error {
  override readonly name: string = 'StreamsError';
  readonly retriable: boolean;
  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.retriable = options.retriable ?? false;
  }
}

/** The topology is malformed (unknown store, cycle, missing parent...). */
export class TopologyError extends StreamsError {
  override readonly name = 'TopologyError';
}

/** Another instance owns this task now; this instance must drop it. */
export class TaskFencedError extends StreamsError {
  override readonly name = 'TaskFencedError';
  constructor(taskId: string, cause?: unknown) {
    super(`task ${taskId} was fenced: another instance claimed it`, { cause });
  }
}

/** Redis lost the task's state (flushed, failed over); it must be restored from the changelog. */
export class StateLostError extends StreamsError {
  override readonly name = 'StateLostError';
  constructor(taskId: string) {
    super(`the Redis state of task ${taskId} is missing (flushed or lost); restoring it from the changelog`, { retriable: true });
  }
}

/** A processor read a store key it did not ask the runtime to prefetch. */
export class NotPrefetchedError extends StreamsError {
  override readonly name = 'NotPrefetchedError';
  constructor(store: string, key: string) {
    super(`store "${store}" key "${key}" was read but not prefetched: return it from the processor's prefetch()`);
  }
}

/** A task failed to initialize; retried while the task is assigned (the cause is kept). */
export class TaskInitializationError extends StreamsError {
  override readonly name = 'TaskInitializationError';
  constructor(task: string, cause: unknown) {
    super(`task of ${task} failed to initialize: ${cause instanceof Error ? cause.message : String(cause)}`, { retriable: true, cause });
  }
}

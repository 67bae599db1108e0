import { StreamsError } from './errors';

/**
 * Kafka Streams' PunctuationType: `wall-clock` fires by the system clock,
 * with or without traffic; `stream-time` fires as the largest record
 * timestamp the task has processed advances, so only records move it.
 */
export type PunctuationType = 'wall-clock' | 'stream-time';

/** Called with the wall-clock time or the stream time that made it due. */
export type Punctuator = (timestamp: number) => void | Promise<void>;

export interface Cancellable {
  cancel(): void;
}

/** One schedule of a processor. */
export interface Punctuation {
  readonly processor: string;
  readonly type: PunctuationType;
  readonly punctuator: Punctuator;
  readonly intervalMs: number;
  /** Next due time; undefined for a stream-time schedule until the task has seen a record. */
  next: number | undefined;
  cancelled: boolean;
}

/** A punctuation that is due, with the timestamp its punctuator gets. */
export interface DuePunctuation {
  punctuation: Punctuation;
  timestamp: number;
}

/**
 * The schedules of one task's processors. A wall-clock schedule first fires
 * one interval after it was made; a stream-time one at the first record (as
 * Kafka Streams does). A schedule that fell several intervals behind fires
 * once and moves to its next due time after `now`: missed punctuations are
 * skipped, not replayed.
 */
export class PunctuationSchedule {
  private punctuations: Punctuation[] = [];

  add(processor: string, intervalMs: number, type: PunctuationType, punctuator: Punctuator, now: number): Cancellable {
    if (!Number.isInteger(intervalMs) || intervalMs < 1) throw new StreamsError(`processor "${processor}" scheduled a punctuation every ${intervalMs} ms; expected a whole number of milliseconds ≥ 1`);
    if (type !== 'wall-clock' && type !== 'stream-time') throw new StreamsError(`processor "${processor}" scheduled a punctuation of type "${String(type)}"; expected 'wall-clock' or 'stream-time'`);
    const punctuation: Punctuation = { processor, type, punctuator, intervalMs, next: type === 'wall-clock' ? now + intervalMs : undefined, cancelled: false };
    this.punctuations.push(punctuation);
    return {
      cancel: () => {
        punctuation.cancelled = true;
        this.punctuations = this.punctuations.filter((p) => p !== punctuation);
      },
    };
  }

  /** Whether some punctuation is due at wall-clock `now` and stream time `streamTime`. */
  isDue(now: number, streamTime: number | undefined): boolean {
    return this.punctuations.some((p) => timeOf(p, now, streamTime) !== undefined);
  }

  /** The punctuations due, in the order they were scheduled, each moved on to its next due time. */
  takeDue(now: number, streamTime: number | undefined): DuePunctuation[] {
    const due: DuePunctuation[] = [];
    for (const punctuation of this.punctuations) {
      const timestamp = timeOf(punctuation, now, streamTime);
      if (timestamp === undefined) continue;
      const next = punctuation.next ?? timestamp;
      punctuation.next = next + (Math.floor((timestamp - next) / punctuation.intervalMs) + 1) * punctuation.intervalMs;
      due.push({ punctuation, timestamp });
    }
    return due;
  }

  /** Drops every schedule: the task's processors are closed (new ones schedule again in init()). */
  clear(): void {
    for (const punctuation of this.punctuations) punctuation.cancelled = true;
    this.punctuations = [];
  }
}

/** The time the punctuation is due at, or undefined when it is not due. */
function timeOf(punctuation: Punctuation, now: number, streamTime: number | undefined): number | undefined {
  const time = punctuation.type === 'wall-clock' ? now : streamTime;
  if (time === undefined) return undefined;
  return punctuation.next === undefined || time >= punctuation.next ? time : undefined;
}

import type { ProducerRecord } from '@abtest/kafka-io';
import { prepareEvents, type BatchDefaults, type MessageType } from '@abtest/segment';
import { InvalidEventsError, type RejectedSummary } from './errors';
import type { IngressMetrics } from './metrics';

/** Where records go; the BatchingProducer in production. Resolves once Kafka acknowledged them. */
export interface EventSink {
  send(records: readonly ProducerRecord[]): Promise<void>;
}

/** Header of a dead letter: the topic the event was meant for. */
export const TARGET_TOPIC_HEADER = 'target-topic';

export interface IngestRequest {
  messages: readonly unknown[];
  /** The request carried one message, not a list. */
  single: boolean;
  /** JSONPath of the message list in the body, for error paths. */
  path: string;
  source: string;
  topic: string;
  bodyBytes: number;
  /** Nesting depth of the body (JsonBody.depth). */
  bodyDepth: number;
  defaults?: BatchDefaults;
  expectedType?: MessageType;
}

/** The JSON answer to an ingest request. */
export interface IngestReply {
  success: boolean;
  accepted: number;
  rejected: RejectedSummary[];
}

/**
 * Validates and normalizes the messages of a request, writes the valid ones
 * to their topic and the invalid ones to the dead-letter topic, and answers
 * once Kafka acknowledged all of them. A request with at least one valid
 * message is a success (Segment must not resend the good ones); one whose
 * every message was invalid is a 400 listing each.
 */
/**
 * What the answer and the metrics need once Kafka acknowledged a request's
 * records: counts and the refusals, not the parsed events or their records.
 */
interface IngestOutcome {
  events: number;
  single: boolean;
  acceptedByType: Map<string, number>;
  accepted: number;
  rejected: Array<RejectedSummary & { type: string | undefined }>;
}

export class EventIngestor {
  constructor(
    private readonly options: { sink: EventSink; deadLetterTopic: string; metrics: IngressMetrics; clock?: () => Date },
  ) {}

  /**
   * Not an async function on purpose: only the small outcome waits for Kafka's
   * acknowledgement. A suspended async function would keep the request's
   * parsed events and records alive for that wait (a hundred milliseconds
   * under load), so they would outlive the young generation and cost far more
   * to collect.
   */
  ingest(request: IngestRequest): Promise<IngestReply> {
    let written: Promise<void>;
    let outcome: IngestOutcome;
    try {
      ({ written, outcome } = this.write(request));
    } catch (error) {
      return Promise.reject(error);
    }
    return written.then(() => this.answer(outcome));
  }

  private write(request: IngestRequest): { written: Promise<void>; outcome: IngestOutcome } {
    const receivedAt = this.options.clock?.() ?? new Date();
    const { accepted, rejected } = prepareEvents(request.messages, {
      receivedAt,
      source: request.source,
      path: request.path,
      single: request.single,
      bodyBytes: request.bodyBytes,
      bodyDepth: request.bodyDepth,
      ...(request.defaults ? { defaults: request.defaults } : {}),
      ...(request.expectedType ? { expectedType: request.expectedType } : {}),
    });
    const records: ProducerRecord[] = accepted.map(({ record }) => ({ topic: request.topic, key: record.key, value: record.value, headers: record.headers }));
    for (const event of rejected) {
      records.push({ topic: this.options.deadLetterTopic, ...event.record, headers: { ...event.record.headers, [TARGET_TOPIC_HEADER]: request.topic } });
    }
    const acceptedByType = new Map<string, number>();
    for (const event of accepted) acceptedByType.set(event.type, (acceptedByType.get(event.type) ?? 0) + 1);
    const outcome: IngestOutcome = {
      events: request.messages.length,
      single: request.single,
      acceptedByType,
      accepted: accepted.length,
      rejected: rejected.map((event) => ({ index: event.index, reason: event.reason, errors: event.issues, type: event.type })),
    };
    return { written: this.options.sink.send(records), outcome };
  }

  private answer(outcome: IngestOutcome): IngestReply {
    const { metrics } = this.options;
    metrics.requestEvents(outcome.events);
    for (const [type, count] of outcome.acceptedByType) metrics.accepted(type, count);
    for (const event of outcome.rejected) metrics.rejected(event.type, event.reason);
    const summaries = outcome.rejected.map(({ index, reason, errors }) => ({ index, reason, errors }));
    if (outcome.accepted === 0) {
      const what = outcome.single ? 'the event is invalid' : `all ${outcome.rejected.length} events are invalid`;
      throw new InvalidEventsError(`${what} (written to the dead-letter topic)`, summaries);
    }
    return { success: true, accepted: outcome.accepted, rejected: summaries };
  }
}

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
export class EventIngestor {
  constructor(
    private readonly options: { sink: EventSink; deadLetterTopic: string; metrics: IngressMetrics; clock?: () => Date },
  ) {}

  async ingest(request: IngestRequest): Promise<IngestReply> {
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
    const records: ProducerRecord[] = accepted.map((event) => ({ topic: request.topic, ...event.record }));
    for (const event of rejected) {
      records.push({ topic: this.options.deadLetterTopic, ...event.record, headers: { ...event.record.headers, [TARGET_TOPIC_HEADER]: request.topic } });
    }
    await this.options.sink.send(records);

    const { metrics } = this.options;
    metrics.requestEvents(request.messages.length);
    const [first] = accepted;
    if (accepted.length === 1 && first) metrics.accepted(first.type);
    else if (accepted.length > 1) {
      const byType = new Map<string, number>();
      for (const event of accepted) byType.set(event.type, (byType.get(event.type) ?? 0) + 1);
      for (const [type, count] of byType) metrics.accepted(type, count);
    }
    for (const event of rejected) metrics.rejected(event.type, event.reason);
    const summaries = rejected.map((event) => ({ index: event.index, reason: event.reason, errors: event.issues }));
    if (accepted.length === 0) {
      const what = request.single ? 'the event is invalid' : `all ${rejected.length} events are invalid`;
      throw new InvalidEventsError(`${what} (written to the dead-letter topic)`, summaries);
    }
    return { success: true, accepted: accepted.length, rejected: summaries };
  }
}

import { ProduceTimeoutError, CLIENT_RETRY, ensureTopics, toProduceError, type EnsureTopicsResult } from '@abtest/kafka-io';
import type { Kafka, Producer } from 'kafkajs';
import { parseExperimentDefinition, type ExperimentDefinition } from './experiment';
import { definitionKey, type DefinitionKind } from './keys';
import { parseMetricDefinition, type MetricDefinition } from './metric';
import { DEFAULT_DEFINITIONS_TOPIC, definitionsTopicSpec } from './topic';

export interface DefinitionsWriterOptions {
  /** A write not acknowledged by Kafka within this time fails with ProduceTimeoutError (retriable). */
  sendTimeoutMs?: number;
}

/** Long enough for a leader election, short enough for an HTTP caller waiting on it. */
export const DEFAULT_SEND_TIMEOUT_MS = 15_000;

/**
 * Writes definitions to the compacted definitions topic: validated first
 * (a DefinitionError writes nothing), then produced by an idempotent
 * producer with acks=all, one write at a time so they land in call order.
 * Kafka failures reject with a KafkaIoError from @abtest/kafka-io
 * (`retriable` when trying later can help). A write that timed out may
 * still land; writing the same definition again is harmless.
 */
export class DefinitionsWriter {
  private readonly producer: Producer;
  private readonly sendTimeoutMs: number;
  private connected: Promise<void> | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly kafka: Kafka,
    readonly topic: string = DEFAULT_DEFINITIONS_TOPIC,
    options: DefinitionsWriterOptions = {},
  ) {
    this.sendTimeoutMs = options.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      // Bounded: a write fails (and the caller hears of it) rather than retrying for ever.
      retry: { ...CLIENT_RETRY },
      // A broker that auto-creates topics would create this one without compaction: never let it.
      allowAutoTopicCreation: false,
    });
    this.producer.on(this.producer.events.DISCONNECT, () => (this.connected = undefined));
  }

  /** Creates the topic (compacted, one partition) when missing; reports differing settings of an existing one as `configDrift`. */
  async ensureTopic(): Promise<EnsureTopicsResult> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await ensureTopics(admin, [definitionsTopicSpec(this.topic)]);
    } finally {
      await admin.disconnect();
    }
  }

  /** Validates, writes and returns the normalized experiment. */
  async putExperiment(input: unknown): Promise<ExperimentDefinition> {
    const experiment = parseExperimentDefinition(input);
    await this.write('experiment', experiment.id, JSON.stringify(experiment));
    return experiment;
  }

  /** Validates, writes and returns the normalized metric. */
  async putMetric(input: unknown): Promise<MetricDefinition> {
    const metric = parseMetricDefinition(input);
    await this.write('metric', metric.id, JSON.stringify(metric));
    return metric;
  }

  /** Writes a tombstone: readers drop the experiment, compaction later drops its records. */
  async deleteExperiment(id: string): Promise<void> {
    await this.write('experiment', id, null);
  }

  async deleteMetric(id: string): Promise<void> {
    await this.write('metric', id, null);
  }

  async close(): Promise<void> {
    await this.tail;
    await this.producer.disconnect();
  }

  private write(kind: DefinitionKind, id: string, value: string | null): Promise<void> {
    const key = definitionKey(kind, id);
    const sent = this.tail.then(() => this.send(key, value));
    // The chain only orders the writes; each failure reaches its own caller through `sent`.
    this.tail = sent.catch(() => undefined);
    return this.withDeadline(sent, key);
  }

  private async send(key: string, value: string | null): Promise<void> {
    try {
      this.connected ??= this.producer.connect();
      await this.connected;
      await this.producer.send({ topic: this.topic, acks: -1, messages: [{ key, value }] });
    } catch (error) {
      this.connected = undefined;
      throw toProduceError(error);
    }
  }

  private withDeadline(sent: Promise<void>, key: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ProduceTimeoutError(`Kafka did not acknowledge ${key} on ${this.topic} within ${this.sendTimeoutMs} ms`)), this.sendTimeoutMs);
    });
    return Promise.race([sent, deadline]).finally(() => clearTimeout(timer));
  }
}

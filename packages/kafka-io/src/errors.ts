/**
 * The one error hierarchy of @abtest/kafka-io. `retriable` says whether the
 * same operation may succeed later (the cluster was unreachable or slow);
 * callers decide from it alone (the ingress answers 503 vs 500).
 */
export class KafkaIoError extends Error {
  override readonly name: string = 'KafkaIoError';
  readonly retriable: boolean;

  constructor(message: string, options: { retriable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.retriable = options.retriable;
  }
}

/** The Kafka settings are invalid (a missing variable, an unreadable file). */
export class KafkaConfigError extends KafkaIoError {
  override readonly name = 'KafkaConfigError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retriable: false, ...options });
  }
}

/** The cluster could not take the write now (connection lost, broker down or slow). */
export class KafkaUnavailableError extends KafkaIoError {
  override readonly name: string = 'KafkaUnavailableError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retriable: true, ...options });
  }
}

/** Kafka did not acknowledge the records within the producer's send timeout. */
export class ProduceTimeoutError extends KafkaUnavailableError {
  override readonly name = 'ProduceTimeoutError';
}

/** More records are waiting for Kafka than the producer may hold: back off. */
export class ProducerOverloadedError extends KafkaUnavailableError {
  override readonly name = 'ProducerOverloadedError';
}

/** The producer is closing or closed and takes no more records. */
export class ProducerClosedError extends KafkaUnavailableError {
  override readonly name = 'ProducerClosedError';
}

/** The brokers refused the records for good (too large, not authorized, invalid). */
export class ProduceRejectedError extends KafkaIoError {
  override readonly name = 'ProduceRejectedError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retriable: false, ...options });
  }
}

/** An existing topic differs from its specification in a way that matters (partition count). */
export class TopicMismatchError extends KafkaIoError {
  override readonly name = 'TopicMismatchError';
  constructor(message: string) {
    super(message, { retriable: false });
  }
}

/**
 * Maps an error from kafkajs to this hierarchy by kafkajs' own `retriable`
 * flag; "retries exceeded" is judged by the error that was retried.
 */
export function toProduceError(error: unknown): KafkaIoError {
  if (error instanceof KafkaIoError) return error;
  const cause = readKafkaJsError(error);
  const judged = cause.name === 'KafkaJSNumberOfRetriesExceeded' ? readKafkaJsError(cause.cause) : cause;
  const message = `Kafka did not acknowledge the records: ${cause.message}`;
  return judged.retriable ? new KafkaUnavailableError(message, { cause: error }) : new ProduceRejectedError(message, { cause: error });
}

interface KafkaJsErrorShape {
  name: string;
  message: string;
  retriable: boolean;
  cause?: unknown;
}

function readKafkaJsError(error: unknown): KafkaJsErrorShape {
  if (!(error instanceof Error)) return { name: 'Unknown', message: String(error), retriable: true };
  const retriable = 'retriable' in error && typeof error.retriable === 'boolean' ? error.retriable : true;
  return { name: error.name, message: error.message, retriable, cause: error.cause };
}

export { createKafka, CLIENT_RETRY, type KafkaLogger } from './client';
export { assertKafkaJsPatched, KafkaJsUnpatchedError } from './kafkajs-patches';
export {
  kafkaEnvShape,
  kafkaEnvSchema,
  toKafkaConnectionConfig,
  DEFAULT_CONNECTION_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type KafkaConnectionConfig,
  type KafkaEnv,
  type SaslMechanism,
} from './config';
export {
  ensureTopics,
  topicsPresent,
  metadataOfNewTopics,
  createTopicsWithLeaders,
  offsetsOfNewTopic,
  whileTopicsPropagate,
  TOPIC_PROPAGATION_TIMEOUT_MS,
  DEFAULT_EVENTS_RETENTION_MS,
  type TopicSpec,
  type TopicConfigDrift,
  type EnsureTopicsResult,
} from './topics';
export { BatchingProducer, BATCHING_PRODUCER_DEFAULTS, type BatchingProducerOptions, type ProducerRecord } from './batching-producer';
export { ThreadedProducer, type ThreadedProducerOptions } from './threaded-producer';
export {
  KafkaIoError,
  KafkaConfigError,
  KafkaUnavailableError,
  ProduceTimeoutError,
  ProducerOverloadedError,
  ProducerClosedError,
  ProduceRejectedError,
  TopicMismatchError,
  toProduceError,
} from './errors';
export type { RecordOutcome } from './producer-metrics';

export { createApp, type AppDependencies } from './app';
export { loadConfig, ConfigError, DEVELOPMENT_SOURCE, DEFAULT_PORT, type IngressConfig, type SourceConfig } from './config';
export { startIngress, topicSpecs, type RunningIngress, type StartOptions } from './ingress';
export { EventIngestor, TARGET_TOPIC_HEADER, type EventSink, type IngestReply, type IngestRequest } from './ingest';
export { HttpError, type ErrorCode, type RejectedSummary } from './errors';

import { kafkaEnvSchema, toKafkaConnectionConfig, type KafkaConnectionConfig } from '@abtest/kafka-io';
import { redisEnvSchema, toRedisConnectionConfig, type RedisConnectionConfig } from '@abtest/redis-io';
import { LOG_LEVELS, type LogLevel } from '@abtest/observability';
import { envPositiveInt, parseEnv } from '@abtest/env-config';
import { resultsTopics } from '@abtest/results-contract';
import { z } from 'zod';

const topicName = z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be a Kafka topic name ([A-Za-z0-9._-]+)');

/** The shared Kafka and Redis variables (with their cross-field checks), plus the service's own. Redis remembers sent alerts and status changes. */
const schema = z.object({
  REDIS_KEY_PREFIX: z.string().default('abtest:'),
  SCHEMA_REGISTRY_URL: z.string().url('must be a URL').optional(),
  RESULTS_APPLICATION_ID: z.string().regex(/^[A-Za-z0-9._-]+$/, 'must match [A-Za-z0-9._-]+ (it prefixes consumer groups and the client id)').default('abtest-results'),
  RESULTS_TOPIC: topicName.default('experiment-results'),
  BREAKDOWNS_TOPIC: topicName.optional(),
  SERIES_TOPIC: topicName.optional(),
  DECISIONS_TOPIC: topicName.default('experiment-decisions'),
  RESULTS_TOPIC_PARTITIONS: envPositiveInt(6),
  RESULTS_HOST: z.string().min(1).default('0.0.0.0'),
  RESULTS_PORT: envPositiveInt(8082),
  DASHBOARD_BASE_URL: z.string().url('must be a URL such as https://results.example.com').optional(),
  SLACK_WEBHOOK_URL: z.string().url('must be the incoming-webhook URL, https://hooks.slack.com/services/...').optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
})
  .and(kafkaEnvSchema)
  .and(redisEnvSchema);

export interface ResultsConfig {
  kafka: KafkaConnectionConfig;
  /** One server (REDIS_URL, TLS/ACL included) or a Redis Cluster (REDIS_CLUSTER_NODES). */
  redis: RedisConnectionConfig;
  redisKeyPrefix: string;
  schemaRegistryUrl: string | undefined;
  applicationId: string;
  resultsTopic: string;
  breakdownsTopic: string;
  seriesTopic: string;
  decisionsTopic: string;
  /** Partitions of the topics this service creates when they are missing (the processor's default). */
  topicPartitions: number;
  host: string;
  port: number;
  /** Where the dashboard is reached, for links in Slack messages; no trailing slash. */
  dashboardBaseUrl: string;
  slackWebhookUrl: string | undefined;
  logLevel: LogLevel;
}

/** Thrown at start-up when the environment is wrong; the message names each variable. */
export class ResultsConfigError extends Error {
  override readonly name = 'ResultsConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv): ResultsConfig {
  const c = parseEnv(schema, env, ResultsConfigError);
  const topics = resultsTopics(c.RESULTS_TOPIC, { breakdowns: c.BREAKDOWNS_TOPIC, series: c.SERIES_TOPIC });
  return {
    kafka: toKafkaConnectionConfig(c, c.KAFKA_CLIENT_ID ?? c.RESULTS_APPLICATION_ID),
    redis: toRedisConnectionConfig(c),
    redisKeyPrefix: c.REDIS_KEY_PREFIX,
    schemaRegistryUrl: c.SCHEMA_REGISTRY_URL,
    applicationId: c.RESULTS_APPLICATION_ID,
    resultsTopic: topics.results,
    breakdownsTopic: topics.breakdowns,
    seriesTopic: topics.series,
    decisionsTopic: c.DECISIONS_TOPIC,
    topicPartitions: c.RESULTS_TOPIC_PARTITIONS,
    host: c.RESULTS_HOST,
    port: c.RESULTS_PORT,
    dashboardBaseUrl: (c.DASHBOARD_BASE_URL ?? `http://localhost:${c.RESULTS_PORT}`).replace(/\/+$/, ''),
    slackWebhookUrl: c.SLACK_WEBHOOK_URL,
    logLevel: c.LOG_LEVEL,
  };
}

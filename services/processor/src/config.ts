import { resultsTopics } from '@abtest/results-contract';
import { kafkaEnvSchema, toKafkaConnectionConfig, type KafkaConnectionConfig } from '@abtest/kafka-io';
import { redisEnvSchema, toRedisConnectionConfig, type RedisConnectionConfig } from '@abtest/redis-io';
import { LOG_LEVELS, type LogLevel } from '@abtest/observability';
import { envPositiveInt, parseEnv } from '@abtest/env-config';
import { z } from 'zod';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The shared Kafka and Redis variables (with their cross-field checks), plus the processor's own. */
const schema = z.object({
  REDIS_KEY_PREFIX: z.string().default('abtest:'),
  SCHEMA_REGISTRY_URL: z.string().url('must be a URL').optional(),
  PROCESSOR_APPLICATION_ID: z.string().regex(/^[A-Za-z0-9._-]+$/, 'must match [A-Za-z0-9._-]+ (it names topics and the consumer group)').default('abtest-processor'),
  EVENTS_TOPIC: z.string().min(1).default('segment-events'),
  RESULTS_TOPIC: z.string().min(1).default('experiment-results'),
  BREAKDOWNS_TOPIC: z.string().min(1).optional(),
  SERIES_TOPIC: z.string().min(1).optional(),
  DEFINITIONS_TOPIC: z.string().min(1).default('experiment-definitions'),
  GRACE_PERIOD_MS: envPositiveInt(HOUR_MS),
  BREAKDOWN_DIMENSIONS: z
    .string()
    .default('context.os.name,context.device.type,traits.plan')
    .transform((value) => value.split(',').map((d) => d.trim()).filter((d) => d.length > 0))
    .pipe(z.array(z.string().regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)+$/, 'each dimension must be a dotted path such as context.os.name or traits.plan')).min(1, 'name at least one dimension')),
  BREAKDOWN_MAX_VALUES: envPositiveInt(20),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters (it guards the definitions admin API)').optional(),
  EVENTS_TOPIC_PARTITIONS: envPositiveInt(6),
  RESULTS_TOPIC_PARTITIONS: envPositiveInt(6),
  // Two sub-topologies each wait up to one interval: 250 ms keeps p99 freshness under 1 s (see README, Benchmark).
  COMMIT_INTERVAL_MS: envPositiveInt(250),
  // How late a status that time alone changes (minimum runtime reached) or a definition change shows, at most.
  PUNCTUATE_INTERVAL_MS: envPositiveInt(1_000),
  SESSION_TIMEOUT_MS: envPositiveInt(30_000),
  DEDUP_WINDOW_MS: envPositiveInt(7 * DAY_MS),
  GENERATION_TICK_MS: envPositiveInt(1_000),
  REBUILD_CATCH_UP_EVENTS: envPositiveInt(1_000),
  REBUILD_SETTLE_MS: envPositiveInt(5_000),
  REBUILD_MAX_EVENTS_PER_SECOND: envPositiveInt(10_000),
  BACKFILL_ON_DEFINITION_CHANGE: z.enum(['true', 'false'], { error: 'must be true or false' }).default('true').transform((value) => value === 'true'),
  // 0: any free port (tests running several instances).
  PROCESSOR_PORT: z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(0, 'must be at least 0').max(65_535, 'must be at most 65535').default(8081),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
})
  .and(kafkaEnvSchema)
  .and(redisEnvSchema);

export interface ProcessorConfig {
  kafka: KafkaConnectionConfig;
  /** One server (REDIS_URL, TLS/ACL included) or a Redis Cluster (REDIS_CLUSTER_NODES). */
  redis: RedisConnectionConfig;
  redisKeyPrefix: string;
  schemaRegistryUrl: string | undefined;
  applicationId: string;
  eventsTopic: string;
  resultsTopic: string;
  breakdownsTopic: string;
  seriesTopic: string;
  definitionsTopic: string;
  graceMs: number;
  breakdownDimensions: string[];
  maxBreakdownValues: number;
  /** Bearer token of the definitions admin API; without it the API answers 404. */
  adminToken: string | undefined;
  eventsTopicPartitions: number;
  resultsTopicPartitions: number;
  commitIntervalMs: number;
  /** How often the results stage re-evaluates experiments without events. */
  punctuateIntervalMs: number;
  sessionTimeoutMs: number;
  dedupWindowMs: number;
  /** How often each instance follows the generations record and the coordinator moves rebuilds on. */
  generationTickMs: number;
  /** A rebuild this close (events) to the raw topic's end takes the results topics over. */
  rebuildCatchUpEvents: number;
  /** How long changed definitions must rest before their rebuild (backfill) starts. */
  rebuildSettleMs: number;
  /** Raw events per second a rebuild reads at most, per instance: the live generation keeps the rest of the CPU. */
  rebuildMaxEventsPerSecond: number;
  /** Whether a change of the definitions the state depends on starts a rebuild by itself (else only `reprocess` does). */
  backfillOnDefinitionChange: boolean;
  port: number;
  logLevel: LogLevel;
}

/** Thrown at start-up when the environment is wrong; the message names each variable. */
export class ProcessorConfigError extends Error {
  override readonly name = 'ProcessorConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv): ProcessorConfig {
  const c = parseEnv(schema, env, ProcessorConfigError);
  const topics = resultsTopics(c.RESULTS_TOPIC, { breakdowns: c.BREAKDOWNS_TOPIC, series: c.SERIES_TOPIC });
  return {
    kafka: toKafkaConnectionConfig(c, c.KAFKA_CLIENT_ID ?? c.PROCESSOR_APPLICATION_ID),
    redis: toRedisConnectionConfig(c),
    redisKeyPrefix: c.REDIS_KEY_PREFIX,
    schemaRegistryUrl: c.SCHEMA_REGISTRY_URL,
    applicationId: c.PROCESSOR_APPLICATION_ID,
    eventsTopic: c.EVENTS_TOPIC,
    resultsTopic: topics.results,
    breakdownsTopic: topics.breakdowns,
    seriesTopic: topics.series,
    definitionsTopic: c.DEFINITIONS_TOPIC,
    graceMs: c.GRACE_PERIOD_MS,
    breakdownDimensions: c.BREAKDOWN_DIMENSIONS,
    maxBreakdownValues: c.BREAKDOWN_MAX_VALUES,
    adminToken: c.ADMIN_TOKEN,
    eventsTopicPartitions: c.EVENTS_TOPIC_PARTITIONS,
    resultsTopicPartitions: c.RESULTS_TOPIC_PARTITIONS,
    commitIntervalMs: c.COMMIT_INTERVAL_MS,
    punctuateIntervalMs: c.PUNCTUATE_INTERVAL_MS,
    sessionTimeoutMs: c.SESSION_TIMEOUT_MS,
    dedupWindowMs: c.DEDUP_WINDOW_MS,
    generationTickMs: c.GENERATION_TICK_MS,
    rebuildCatchUpEvents: c.REBUILD_CATCH_UP_EVENTS,
    rebuildSettleMs: c.REBUILD_SETTLE_MS,
    rebuildMaxEventsPerSecond: c.REBUILD_MAX_EVENTS_PER_SECOND,
    backfillOnDefinitionChange: c.BACKFILL_ON_DEFINITION_CHANGE,
    port: c.PROCESSOR_PORT,
    logLevel: c.LOG_LEVEL,
  };
}

import { z } from 'zod';
import { DEFAULT_EVENTS_RETENTION_MS, kafkaEnvShape, kafkaEnvSchema, toKafkaConnectionConfig, type KafkaConnectionConfig } from '@abtest/kafka-io';
import { LOG_LEVELS, type LogLevel } from '@abtest/observability';
import { redisEnvSchema, redisEnvShape, toRedisConnectionConfig, type RedisConnectionConfig } from '@abtest/redis-io';
import { WEBHOOK_MAX_BATCH_EVENTS } from '@abtest/segment';

/** A configured source: who may send, and how they prove it. */
export interface SourceConfig {
  /** Written into every record's `source` header. */
  name: string;
  /** Segment write keys (Basic username, Bearer token or `writeKey` in the body). */
  writeKeys: string[];
  /** Shared secrets of Segment Webhooks destinations (X-Signature HMAC-SHA1). */
  sharedSecrets: string[];
  /** Events per second this source may send (a batch counts each event); unlimited when absent. */
  rateLimitPerSecond?: number;
}

export interface IngressConfig {
  /** `production` refuses to start without configured sources. */
  mode: 'development' | 'production';
  http: { host: string; port: number };
  sources: SourceConfig[];
  /** True when no INGRESS_SOURCES were given and the development source is used. */
  usingDevelopmentSource: boolean;
  acceptFirstEventSignature: boolean;
  topics: {
    events: string;
    deadLetter: string;
    /** Topics `POST /v1/webhook?topic=NAME` may write to, besides `events`. */
    extra: string[];
    partitions: number;
    deadLetterPartitions: number;
    replicationFactor?: number;
    config: Record<string, string>;
  };
  webhook: { maxEvents: number; maxBodyBytes: number };
  producer: { lingerMs: number; maxBatchRecords: number; maxQueuedRecords: number; sendTimeoutMs: number };
  /** Run the Kafka producer in a worker thread (its record encoding then runs beside HTTP and validation). */
  producerThread: boolean;
  /** Retry-After of a 503 answer (Kafka could not take the write). */
  retryAfterSeconds: number;
  /** Origins whose browsers may post directly (analytics.js); `*` for any, empty for no CORS. */
  corsOrigins: string[];
  /** Where the sources' rate-limit counters live: shared by every instance in Redis, or per instance. */
  rateLimitRedis?: RedisConnectionConfig;
  shutdown: { delayMs: number; timeoutMs: number };
  logLevel: LogLevel;
  kafka: KafkaConnectionConfig;
}

/** Used when INGRESS_MODE is development and INGRESS_SOURCES is unset, so `npm start` works without secrets. */
export const DEVELOPMENT_SOURCE: SourceConfig = { name: 'dev', writeKeys: ['dev-write-key'], sharedSecrets: ['dev-shared-secret'] };

export const DEFAULT_PORT = 8080;

/** The configuration is invalid; the message names every variable at fault. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;
const topicName = z.string().regex(TOPIC_NAME, 'must be a Kafka topic name: 1-249 of A-Z a-z 0-9 . _ -');
const int = (min: number) => z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(min, `must be at least ${min}`);
const bool = z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' }).transform((value) => value === 'true' || value === '1');

const sourceSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 . _ -'),
    writeKeys: z.array(z.string().min(1, 'must not be empty')).default([]),
    sharedSecrets: z.array(z.string().min(1, 'must not be empty')).default([]),
    rateLimitPerSecond: z.number().int().positive().optional(),
  })
  .strict()
  .refine((source) => source.writeKeys.length + source.sharedSecrets.length > 0, 'needs at least one write key or shared secret');

const sourcesSchema = z
  .array(sourceSchema)
  .min(1, 'must list at least one source')
  .superRefine((sources, ctx) => {
    const names = new Set<string>();
    const keys = new Set<string>();
    sources.forEach((source, index) => {
      if (names.has(source.name)) ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `source name ${source.name} is used twice` });
      names.add(source.name);
      for (const key of source.writeKeys) {
        if (keys.has(key)) ctx.addIssue({ code: 'custom', path: [index, 'writeKeys'], message: 'a write key belongs to two sources' });
        keys.add(key);
      }
    });
  });

const json = <T extends z.ZodType>(schema: T) =>
  z.string().transform((text, ctx): z.output<T> => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `is not valid JSON: ${error instanceof Error ? error.message : String(error)}` });
      return z.NEVER;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    return z.NEVER;
  });

const ORIGIN = /^https?:\/\/[^/\s]+$/;

const envSchema = z.object({
  ...kafkaEnvShape,
  ...redisEnvShape,
  INGRESS_CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean))
    .refine((origins) => origins.every((origin) => origin === '*' || ORIGIN.test(origin)), 'must be * or a comma-separated list of origins such as https://shop.example.com (scheme, host and port, no path)'),
  INGRESS_MODE: z.enum(['development', 'production'], { error: 'must be development or production' }).default('development'),
  INGRESS_HOST: z.string().min(1).default('0.0.0.0'),
  INGRESS_PORT: int(0).max(65_535).optional(),
  PORT: int(0).max(65_535).optional(),
  INGRESS_SOURCES: json(sourcesSchema).optional(),
  INGRESS_ACCEPT_FIRST_EVENT_SIGNATURE: bool.default(false),
  INGRESS_TOPIC: topicName.default('segment-events'),
  INGRESS_DEAD_LETTER_TOPIC: topicName.default('segment-events-dead-letter'),
  INGRESS_EXTRA_TOPICS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((topic) => topic.trim()).filter(Boolean))
    .pipe(z.array(topicName)),
  INGRESS_TOPIC_PARTITIONS: int(1).default(6),
  INGRESS_DEAD_LETTER_PARTITIONS: int(1).default(1),
  INGRESS_TOPIC_REPLICATION_FACTOR: int(1).optional(),
  INGRESS_TOPIC_CONFIG: json(z.record(z.string(), z.string({ error: 'values must be strings, e.g. "604800000"' }))).optional(),
  INGRESS_WEBHOOK_MAX_EVENTS: int(1).default(WEBHOOK_MAX_BATCH_EVENTS),
  INGRESS_WEBHOOK_MAX_BODY_BYTES: int(1_024).default(16 * 1024 * 1024),
  INGRESS_LINGER_MS: int(0).default(5),
  INGRESS_MAX_BATCH_RECORDS: int(1).default(10_000),
  INGRESS_MAX_QUEUED_RECORDS: int(1).default(200_000),
  INGRESS_PRODUCE_TIMEOUT_MS: int(100).default(10_000),
  INGRESS_PRODUCER_THREAD: bool.default(true),
  INGRESS_RETRY_AFTER_SECONDS: int(1).default(5),
  INGRESS_SHUTDOWN_DELAY_MS: int(0).default(0),
  INGRESS_SHUTDOWN_TIMEOUT_MS: int(1_000).default(30_000),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
});

/**
 * Reads and validates every setting once, at start-up. Throws a ConfigError
 * naming each variable at fault and what it must be.
 */
export function loadConfig(env: NodeJS.ProcessEnv): IngressConfig {
  const parsed = envSchema.safeParse(env);
  const kafka = kafkaEnvSchema.safeParse(env);
  // Redis is optional here: it is checked only when given (it shares the rate limits between instances).
  const redis = env.REDIS_URL || env.REDIS_CLUSTER_NODES ? redisEnvSchema.safeParse(env) : undefined;
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues),
    ...(kafka.success ? [] : kafka.error.issues.filter((issue) => issue.code === 'custom')),
    ...(redis === undefined || redis.success ? [] : redis.error.issues.filter((issue) => issue.code === 'custom')),
  ].map(
    (issue) => `  ${issue.path.map(String).join('.').replace(/\.(\d+)/g, '[$1]')}: ${issue.message}`,
  );
  if (!parsed.success || !kafka.success || redis?.success === false) throw new ConfigError(`invalid configuration:\n${Array.from(new Set(problems)).join('\n')}`);
  const e = parsed.data;
  if (e.INGRESS_MODE === 'production' && !e.INGRESS_SOURCES) {
    throw new ConfigError('invalid configuration:\n  INGRESS_SOURCES: is required when INGRESS_MODE=production (JSON list of {"name","writeKeys","sharedSecrets"})');
  }
  const extra = e.INGRESS_EXTRA_TOPICS.filter((topic) => topic !== e.INGRESS_TOPIC);
  if (extra.includes(e.INGRESS_DEAD_LETTER_TOPIC) || e.INGRESS_DEAD_LETTER_TOPIC === e.INGRESS_TOPIC) {
    throw new ConfigError('invalid configuration:\n  INGRESS_DEAD_LETTER_TOPIC: must differ from INGRESS_TOPIC and INGRESS_EXTRA_TOPICS');
  }
  return {
    mode: e.INGRESS_MODE,
    http: { host: e.INGRESS_HOST, port: e.INGRESS_PORT ?? e.PORT ?? DEFAULT_PORT },
    sources: e.INGRESS_SOURCES ?? [DEVELOPMENT_SOURCE],
    usingDevelopmentSource: !e.INGRESS_SOURCES,
    acceptFirstEventSignature: e.INGRESS_ACCEPT_FIRST_EVENT_SIGNATURE,
    topics: {
      events: e.INGRESS_TOPIC,
      deadLetter: e.INGRESS_DEAD_LETTER_TOPIC,
      extra,
      partitions: e.INGRESS_TOPIC_PARTITIONS,
      deadLetterPartitions: e.INGRESS_DEAD_LETTER_PARTITIONS,
      ...(e.INGRESS_TOPIC_REPLICATION_FACTOR === undefined ? {} : { replicationFactor: e.INGRESS_TOPIC_REPLICATION_FACTOR }),
      // The events topic is the pipeline's history: 90 days unless retention.ms is given.
      config: { 'retention.ms': String(DEFAULT_EVENTS_RETENTION_MS), ...e.INGRESS_TOPIC_CONFIG },
    },
    webhook: { maxEvents: e.INGRESS_WEBHOOK_MAX_EVENTS, maxBodyBytes: e.INGRESS_WEBHOOK_MAX_BODY_BYTES },
    producer: { lingerMs: e.INGRESS_LINGER_MS, maxBatchRecords: e.INGRESS_MAX_BATCH_RECORDS, maxQueuedRecords: e.INGRESS_MAX_QUEUED_RECORDS, sendTimeoutMs: e.INGRESS_PRODUCE_TIMEOUT_MS },
    producerThread: e.INGRESS_PRODUCER_THREAD,
    retryAfterSeconds: e.INGRESS_RETRY_AFTER_SECONDS,
    corsOrigins: e.INGRESS_CORS_ORIGINS,
    ...(redis?.success ? { rateLimitRedis: toRedisConnectionConfig(redis.data) } : {}),
    shutdown: { delayMs: e.INGRESS_SHUTDOWN_DELAY_MS, timeoutMs: e.INGRESS_SHUTDOWN_TIMEOUT_MS },
    logLevel: e.LOG_LEVEL,
    kafka: toKafkaConnectionConfig(kafka.data, 'ingress'),
  };
}

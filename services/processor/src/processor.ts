import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Admin, Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import { DefinitionsCatalog, DefinitionsWriter } from '@abtest/definitions';
import { buildExperimentTopology } from '@abtest/experiments';
import { createKafka, DEFAULT_EVENTS_RETENTION_MS, ensureTopics } from '@abtest/kafka-io';
import { createMetricsRegistry, GracefulShutdown, Readiness, type Logger } from '@abtest/observability';
import { createRedis } from '@abtest/redis-io';
import { BREAKDOWN_AVRO_SCHEMA, createAvroSerializer, RESULTS_AVRO_SCHEMA, SERIES_AVRO_SCHEMA } from '@abtest/results-contract';
import { GlobalTable, KafkaStreams } from '@abtest/streams';
import { createApp } from './app';
import type { ProcessorConfig } from './config';

export interface RunningProcessor {
  /** `http://127.0.0.1:port` the server listens on. */
  url: string;
  server: Server;
  readiness: Readiness;
  /** The running topology (state, assignment, interactive queries). */
  streams: KafkaStreams;
  /** The definitions this instance follows. */
  definitions: DefinitionsCatalog;
  /** Starts the graceful shutdown; resolves when done (just before `exit`). */
  shutdown(reason: string): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  /** Signals that start the shutdown; none for a processor inside a test process. */
  signals?: NodeJS.Signals[];
  /** Ends the process after shutdown; tests pass a no-op. */
  exit?: (code: number) => void;
}

/**
 * Creates the missing topics, reads the definitions in full, starts the HTTP
 * server and then the topology (it joins the consumer group and restores
 * its stores; /readyz says when that is done). Whatever started is stopped
 * again if a later step fails.
 */
export async function startProcessor(config: ProcessorConfig, options: StartOptions): Promise<RunningProcessor> {
  const { logger } = options;
  const registry = createMetricsRegistry({ defaultLabels: { service: 'processor' } });
  const kafka = createKafka(config.kafka, logger);
  const redis = createRedis(config.redis, { connectionName: config.applicationId, maxRetriesPerRequest: 3 });
  const started: Array<() => Promise<unknown>> = [async () => redis.disconnect()];
  try {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await provisionTopics(admin, config);
    } finally {
      await admin.disconnect();
    }
    const definitions = new DefinitionsCatalog();
    const definitionsTable = followDefinitions(kafka, config.definitionsTopic, definitions, logger);
    started.push(() => definitionsTable.close());
    await definitionsTable.start();
    const streams = await createStreams(config, { kafka, redis, logger, registry, definitions });

    const readiness = new Readiness().register('streams', () => ({ ok: streams.isReady(), detail: streams.currentState }));
    const shutdown = new GracefulShutdown({ readiness, logger, ...(options.exit ? { exit: options.exit } : {}) });
    const writer = new DefinitionsWriter(kafka, config.definitionsTopic);
    started.push(() => writer.close());
    const app = createApp({ streams, readiness, registry, definitions, admin: config.adminToken === undefined ? undefined : { writer, token: config.adminToken } });
    // Listen first: liveness must not wait for the group join, and /readyz reports the join and restore.
    const server = createServer(app).listen(config.port);
    started.push(async () => server.close());
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    logger.info({ url }, `processor listening on ${url} (GET /experiments/:id)`);
    shutdown.install({
      server,
      signals: options.signals ?? [],
      steps: [
        { name: 'streams', run: () => streams.close() },
        { name: 'definitions', run: async () => Promise.all([definitionsTable.close(), writer.close()]).then(() => undefined) },
        { name: 'redis', run: async () => void (await redis.quit()) },
      ],
    });
    started.push(() => streams.close());
    await streams.start();
    return { url, server, readiness, streams, definitions, shutdown: (reason) => shutdown.shutdown(reason) };
  } catch (error) {
    for (const stop of started.reverse()) await stop().catch(() => undefined);
    throw error;
  }
}

/** The ingress owns the events topic: the processor creates it only when it starts first (any partition count is accepted). */
async function provisionTopics(admin: Admin, config: ProcessorConfig): Promise<void> {
  const eventsTopicExists = (await admin.listTopics()).includes(config.eventsTopic);
  await ensureTopics(admin, [
    ...(eventsTopicExists ? [] : [{ topic: config.eventsTopic, numPartitions: config.eventsTopicPartitions, configEntries: { 'retention.ms': String(DEFAULT_EVENTS_RETENTION_MS) } }]),
    ...[config.resultsTopic, config.breakdownsTopic, config.seriesTopic].map((topic) => ({ topic, numPartitions: config.resultsTopicPartitions, configEntries: { 'cleanup.policy': 'compact' } })),
    { topic: config.definitionsTopic, numPartitions: 1, configEntries: { 'cleanup.policy': 'compact' } },
  ]);
}

/** Definitions: a global table every instance reads in full before processing, then follows live. */
function followDefinitions(kafka: Kafka, topic: string, definitions: DefinitionsCatalog, logger: Logger): GlobalTable {
  return new GlobalTable({
    kafka,
    topic,
    logger,
    onRecord: (key, value) => {
      try {
        definitions.apply(key, value);
      } catch (error) {
        logger.warn({ key, err: error }, 'skipped an invalid definition record');
      }
    },
  });
}

interface StreamsDependencies {
  kafka: Kafka;
  redis: ReturnType<typeof createRedis>;
  logger: Logger;
  registry: Registry;
  definitions: DefinitionsCatalog;
}

/** The experiment topology on the streams runtime, its records Avro when a schema registry is configured. */
async function createStreams(config: ProcessorConfig, { kafka, redis, logger, registry, definitions }: StreamsDependencies): Promise<KafkaStreams> {
  const [results, breakdowns, series] = await Promise.all([
    createAvroSerializer(config.resultsTopic, RESULTS_AVRO_SCHEMA, config.schemaRegistryUrl),
    createAvroSerializer(config.breakdownsTopic, BREAKDOWN_AVRO_SCHEMA, config.schemaRegistryUrl),
    createAvroSerializer(config.seriesTopic, SERIES_AVRO_SCHEMA, config.schemaRegistryUrl),
  ]);
  const topology = buildExperimentTopology({
    applicationId: config.applicationId,
    eventsTopic: config.eventsTopic,
    resultsTopic: config.resultsTopic,
    breakdownsTopic: config.breakdownsTopic,
    seriesTopic: config.seriesTopic,
    dedupWindowMs: config.dedupWindowMs,
    graceMs: config.graceMs,
    dimensions: config.breakdownDimensions,
    maxBreakdownValues: config.maxBreakdownValues,
    punctuateIntervalMs: config.punctuateIntervalMs,
    definitions,
    serializers: { results, breakdowns, series },
  });
  return new KafkaStreams(topology, {
    kafka,
    redis,
    logger,
    keyPrefix: config.redisKeyPrefix,
    commitIntervalMs: config.commitIntervalMs,
    sessionTimeoutMs: config.sessionTimeoutMs,
    metrics: registry,
    restoreListener: {
      onRestoreStart: (task, store, from, to) => logger.info({ task, store, from: String(from), to: String(to) }, 'restoring store'),
      onRestoreEnd: (task, store, restored) => logger.info({ task, store, restored }, 'store restored'),
    },
  });
}

import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Admin, Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import { DefinitionsCatalog, DefinitionsWriter } from '@abtest/definitions';
import { buildExperimentTopology, describeChanges, FIRST_GENERATION, preloadIdentities, stateDigestOf, stateInputsOf, type ExperimentTopologyOptions, type Publication, type ResultsTopicKind } from '@abtest/experiments';
import { GenerationController, generationsTopicOf, type GenerationRun } from '@abtest/generations';
import { createKafka, DEFAULT_EVENTS_RETENTION_MS, ensureTopics } from '@abtest/kafka-io';
import { createMetricsRegistry, GracefulShutdown, Readiness, type Logger } from '@abtest/observability';
import { createRedis } from '@abtest/redis-io';
import { BREAKDOWN_AVRO_SCHEMA, createAvroSerializer, createValueDecoder, RESULTS_AVRO_SCHEMA, SERIES_AVRO_SCHEMA } from '@abtest/results-contract';
import { createInternalTopics, GlobalTable, KafkaStreams, repartitionTopic, resetApplication } from '@abtest/streams';
import { createApp, type LiveGeneration } from './app';
import type { ProcessorConfig } from './config';

export interface RunningProcessor {
  /** `http://127.0.0.1:port` the server listens on. */
  url: string;
  server: Server;
  readiness: Readiness;
  /** The live generation's running topology (state, assignment, interactive queries); undefined for a moment while a rebuild takes over. */
  live(): LiveGeneration | undefined;
  /** The state generations: the live one and a rebuild under way. */
  generations: GenerationController<KafkaStreams>;
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
 * server and then the state generations (@abtest/generations): the live
 * topology joins its consumer group and restores its stores (/readyz says
 * when that is done), and a rebuild under way goes on beside it. Whatever
 * started is stopped again if a later step fails.
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
    const generations = await createGenerations(config, { kafka, redis, logger, registry, definitions });
    const { live } = generations;
    const readiness = new Readiness().register('streams', () => ({ ok: generations.controller.isReady(), detail: live()?.streams.currentState ?? 'SWITCHING' }));
    const shutdown = new GracefulShutdown({ readiness, logger, ...(options.exit ? { exit: options.exit } : {}) });
    const writer = new DefinitionsWriter(kafka, config.definitionsTopic);
    started.push(() => writer.close());
    const app = createApp({ live, generations: () => generations.controller.status(), readiness, registry, definitions, admin: config.adminToken === undefined ? undefined : { writer, token: config.adminToken } });
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
        { name: 'streams', run: () => generations.controller.close() },
        { name: 'definitions', run: async () => Promise.all([definitionsTable.close(), writer.close()]).then(() => undefined) },
        { name: 'redis', run: async () => void (await redis.quit()) },
      ],
    });
    started.push(() => generations.controller.close());
    await generations.controller.start();
    return { url, server, readiness, live, generations: generations.controller, definitions, shutdown: (reason) => shutdown.shutdown(reason) };
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
    { topic: generationsTopicOf(config.applicationId), numPartitions: 1, configEntries: { 'cleanup.policy': 'compact' } },
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

/**
 * The state generations of the experiment topology: each runs it on the
 * streams runtime under its own application id, its records Avro when a
 * schema registry is configured.
 */
async function createGenerations(config: ProcessorConfig, { kafka, redis, logger, registry, definitions }: StreamsDependencies): Promise<{ controller: GenerationController<KafkaStreams>; live: () => LiveGeneration | undefined }> {
  const [results, breakdowns, series] = await Promise.all([
    createAvroSerializer(config.resultsTopic, RESULTS_AVRO_SCHEMA, config.schemaRegistryUrl),
    createAvroSerializer(config.breakdownsTopic, BREAKDOWN_AVRO_SCHEMA, config.schemaRegistryUrl),
    createAvroSerializer(config.seriesTopic, SERIES_AVRO_SCHEMA, config.schemaRegistryUrl),
  ]);
  const topologyOptions = (applicationId: string, publication: Publication): ExperimentTopologyOptions => ({
    applicationId,
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
    publication,
    serializers: { results, breakdowns, series },
  });
  const decode = createValueDecoder(config.schemaRegistryUrl ? new SchemaRegistry({ host: config.schemaRegistryUrl }) : undefined);
  const publications = new WeakMap<KafkaStreams, Publication>();
  const publicationOf = (plan: GenerationRun): Publication => ({
    publishing: plan.publishing,
    versionBase: (topic: ResultsTopicKind, key: string) => plan.publishedVersions?.[topic]?.get(key) ?? 0,
    backfill: () => (plan.publishing ? controller.backfill() : null),
    countedFrom: () => plan.countedFrom,
  });
  const run = async (plan: GenerationRun): Promise<KafkaStreams> => {
    const publication = publicationOf(plan);
    const streams = createStreams(config, buildExperimentTopology(topologyOptions(plan.applicationId, publication)), { kafka, redis, logger, registry }, plan.publishing ? undefined : config.rebuildMaxEventsPerSecond);
    publications.set(streams, publication);
    await streams.start();
    return streams;
  };
  const controller: GenerationController<KafkaStreams> = new GenerationController<KafkaStreams>({
    kafka,
    redis,
    logger,
    registry,
    baseApplicationId: config.applicationId,
    topic: generationsTopicOf(config.applicationId),
    eventsTopic: config.eventsTopic,
    resultsTopics: { results: config.resultsTopic, breakdowns: config.breakdownsTopic, series: config.seriesTopic },
    versionOf: async (value) => ((await decode(value)) as { version: number }).version,
    stateInputs: { current: () => stateInputsOf(definitions), digestOf: stateDigestOf, describeChanges },
    run,
    prepare: (applicationId, keepAlive) =>
      withAdmin(kafka, async (admin) => {
        // The rebuild's internal topics now, as its runtime would create them: the fixed identities go first into its by-user topic.
        await createInternalTopics(admin, buildExperimentTopology(topologyOptions(applicationId, FIRST_GENERATION)), { replicationFactor: -1 });
        const fixed = await preloadIdentities({ kafka, admin, eventsTopic: config.eventsTopic, byUserTopic: repartitionTopic(applicationId, 'by-user'), keepAlive });
        logger.info({ applicationId, userIds: fixed }, 'fixed the identities of the rebuild');
      }),
    reset: (applicationId) => withAdmin(kafka, (admin) => resetApplication(buildExperimentTopology(topologyOptions(applicationId, FIRST_GENERATION)), admin, redis, config.redisKeyPrefix).then(() => undefined)),
    leaseKey: `${config.redisKeyPrefix}generations:${config.applicationId}:coordinator`,
    tickMs: config.generationTickMs,
    catchUpEvents: config.rebuildCatchUpEvents,
    settleMs: config.rebuildSettleMs,
    backfillOnDefinitionChange: config.backfillOnDefinitionChange,
  });
  const live = (): LiveGeneration | undefined => {
    const streams = controller.liveRuntime;
    const publication = streams && publications.get(streams);
    return streams && publication ? { streams, publication } : undefined;
  };
  return { controller, live };
}

async function withAdmin<T>(kafka: Kafka, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

/** The experiment topology on the streams runtime; a rebuild reads at most `maxEventsPerSecond`. */
function createStreams(config: ProcessorConfig, topology: ReturnType<typeof buildExperimentTopology>, { kafka, redis, logger, registry }: Omit<StreamsDependencies, 'definitions'>, maxEventsPerSecond?: number): KafkaStreams {
  return new KafkaStreams(topology, {
    ...(maxEventsPerSecond === undefined ? {} : { maxSourceRecordsPerSecond: maxEventsPerSecond }),
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

import type { Server } from 'node:http';
import { createRedis } from '@abtest/redis-io';
import { DefinitionsCatalog, DefinitionsWriter } from '@abtest/definitions';
import { buildExperimentTopology } from '@abtest/experiments';
import { createKafka, ensureTopics } from '@abtest/kafka-io';
import { createLogger, createMetricsRegistry, GracefulShutdown, Readiness } from '@abtest/observability';
import { BREAKDOWN_AVRO_SCHEMA, createAvroSerializer, RESULTS_AVRO_SCHEMA, SERIES_AVRO_SCHEMA } from '@abtest/results-contract';
import { GlobalTable, KafkaStreams } from '@abtest/streams';
import { createApp } from './app';
import { loadConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger({ name: 'processor', level: config.logLevel, base: { applicationId: config.applicationId } });
  const registry = createMetricsRegistry({ defaultLabels: { service: 'processor' } });
  const kafka = createKafka(config.kafka, logger);
  const redis = createRedis(config.redis, { connectionName: config.applicationId, maxRetriesPerRequest: 3 });

  const admin = kafka.admin();
  await admin.connect();
  // The ingress owns the events topic; the processor only creates it when it starts first (any partition count is accepted).
  const eventsTopicExists = (await admin.listTopics()).includes(config.eventsTopic);
  await ensureTopics(admin, [
    ...(eventsTopicExists ? [] : [{ topic: config.eventsTopic, numPartitions: config.eventsTopicPartitions }]),
    ...[config.resultsTopic, config.breakdownsTopic, config.seriesTopic].map((topic) => ({ topic, numPartitions: config.resultsTopicPartitions, configEntries: { 'cleanup.policy': 'compact' } })),
    { topic: config.definitionsTopic, numPartitions: 1, configEntries: { 'cleanup.policy': 'compact' } },
  ]);
  await admin.disconnect();

  // Definitions: a global table every instance reads in full before processing, then follows live.
  const definitions = new DefinitionsCatalog();
  const definitionsTable = new GlobalTable({
    kafka,
    topic: config.definitionsTopic,
    logger,
    onRecord: (key, value) => {
      try {
        definitions.apply(key, value);
      } catch (error) {
        logger.warn({ key, error: error instanceof Error ? error.message : String(error) }, 'skipped an invalid definition record');
      }
    },
  });
  await definitionsTable.start();

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
  const streams = new KafkaStreams(topology, {
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
  const readiness = new Readiness().register('streams', () => ({ ok: streams.isReady(), detail: streams.currentState }));
  const shutdown = new GracefulShutdown({ readiness, logger });
  const writer = new DefinitionsWriter(kafka, config.definitionsTopic);
  const app = createApp({ streams, readiness, registry, definitions, admin: config.adminToken === undefined ? undefined : { writer, token: config.adminToken } });
  // Listen first: liveness must not wait for the group join, and /readyz reports the join and restore.
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(config.port, (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  logger.info({ port: config.port }, `processor listening on http://127.0.0.1:${config.port} (GET /experiments/:id)`);
  shutdown.install({
    server,
    steps: [
      { name: 'streams', run: () => streams.close() },
      { name: 'definitions', run: async () => Promise.all([definitionsTable.close(), writer.close()]).then(() => undefined) },
      { name: 'redis', run: async () => void (await redis.quit()) },
    ],
  });
  await streams.start();
}

main().catch((error: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 'fatal', name: 'processor', msg: error instanceof Error ? error.message : String(error) })}\n`);
  process.exit(1);
});

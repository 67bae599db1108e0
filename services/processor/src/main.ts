import type { Server } from 'node:http';
import { createRedis } from '@abtest/redis-io';
import { buildExperimentTopology } from '@abtest/experiments';
import { createKafka, ensureTopics } from '@abtest/kafka-io';
import { createLogger, createMetricsRegistry, GracefulShutdown, Readiness } from '@abtest/observability';
import { KafkaStreams } from '@abtest/streams';
import { createApp } from './app';
import { loadConfig } from './config';
import { createResultsSerializer } from './results-codec';

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
    { topic: config.resultsTopic, numPartitions: config.resultsTopicPartitions, configEntries: { 'cleanup.policy': 'compact' } },
  ]);
  await admin.disconnect();

  const serializeResults = await createResultsSerializer(config.resultsTopic, config.schemaRegistryUrl);
  const topology = buildExperimentTopology({ applicationId: config.applicationId, eventsTopic: config.eventsTopic, resultsTopic: config.resultsTopic, dedupWindowMs: config.dedupWindowMs, serializeResults });
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
  const app = createApp({ streams, readiness, registry });
  // Listen first: liveness must not wait for the group join, and /readyz reports the join and restore.
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(config.port, (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  logger.info({ port: config.port }, `processor listening on http://127.0.0.1:${config.port} (GET /experiments/:id)`);
  shutdown.install({
    server,
    steps: [
      { name: 'streams', run: () => streams.close() },
      { name: 'redis', run: async () => void (await redis.quit()) },
    ],
  });
  await streams.start();
}

main().catch((error: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 'fatal', name: 'processor', msg: error instanceof Error ? error.message : String(error) })}\n`);
  process.exit(1);
});

import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import type { Cluster, Redis } from 'ioredis';
import { createRedis } from '@abtest/redis-io';
import { Partitioners, type Admin } from 'kafkajs';
import { Gauge } from 'prom-client';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { createKafka, ensureTopics } from '@abtest/kafka-io';
import { createMetricsRegistry, GracefulShutdown, Readiness, type Logger } from '@abtest/observability';
import { createValueDecoder } from '@abtest/results-contract';
import {
  createResultsViewMetrics,
  decisionHandler,
  LatestResultsStore,
  OutboxConsumer,
  ResultsFeed,
  slackAlertHandler,
  SlackWebhook,
  StatusOutbox,
  statusKeys,
} from '@abtest/results-view';
import { createApp } from './app';
import type { ResultsConfig } from './config';
import { LiveUpdates } from './live-updates';
import { dashboardBuilt } from './routes/dashboard';

const SERVICE_VERSION = '0.1.0';

export interface StartOptions {
  logger: Logger;
  /** Signals that start the graceful shutdown; none in tests, which call close(). */
  signals?: NodeJS.Signals[];
  /** Ends the process after a signal-started shutdown; tests keep theirs. */
  exit?: (code: number) => void;
}

export interface ResultsService {
  url: string;
  server: Server;
  store: LatestResultsStore;
  feed: ResultsFeed;
  live: LiveUpdates;
  /** Stops everything in order (as SIGTERM does) without ending the process. */
  close(): Promise<void>;
}

/** Creates the topics this service reads or writes when missing, compacted; existing topics keep their partitions. */
async function provisionTopics(admin: Admin, config: ResultsConfig, logger: Logger): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const topics = [config.resultsTopic, config.breakdownsTopic, config.seriesTopic, config.decisionsTopic];
  const { created, configDrift } = await ensureTopics(
    admin,
    topics.map((topic) => ({ topic, configEntries: { 'cleanup.policy': 'compact' }, ...(existing.has(topic) ? {} : { numPartitions: config.topicPartitions }) })),
  );
  if (created.length > 0) logger.info({ topics: created }, 'created missing topics');
  for (const drift of configDrift) logger.warn(drift, 'topic setting differs from what this service expects');
}

/**
 * Wires the service: reads the results topics into the store (advancing
 * the durable status first), delivers status changes to the decisions
 * topic and Slack, and serves the API, the live events and the dashboard.
 */
export async function startResultsService(config: ResultsConfig, options: StartOptions): Promise<ResultsService> {
  const { logger } = options;
  const instanceId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const registry = createMetricsRegistry({ defaultLabels: { service: 'results' } });
  const metrics = createResultsViewMetrics(registry);
  const kafka = createKafka(config.kafka, logger);
  const redis = createRedis(config.redis, { connectionName: config.applicationId, maxRetriesPerRequest: 3 });
  const keys = statusKeys(config.redisKeyPrefix);

  const admin = kafka.admin();
  await admin.connect();
  try {
    await provisionTopics(admin, config, logger);
  } finally {
    await admin.disconnect();
  }

  const store = new LatestResultsStore();
  const outbox = new StatusOutbox(redis, keys);
  const feed = new ResultsFeed({
    kafka,
    groupId: `${config.applicationId}-${instanceId}`,
    topics: { results: config.resultsTopic, breakdowns: config.breakdownsTopic, series: config.seriesTopic },
    decode: createValueDecoder(config.schemaRegistryUrl ? new SchemaRegistry({ host: config.schemaRegistryUrl }) : undefined),
    store,
    beforeStore: async (record) => void metrics.statusAdvances.inc({ outcome: await outbox.advance(record) }),
    logger,
    metrics,
  });

  const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const onOutcome = (group: string, outcome: string) => metrics.deliveries.inc({ group, outcome });
  // Each consumer blocks on a connection of its own.
  const blocking: Array<Redis | Cluster> = [];
  const blockingConnection = () => {
    const connection = redis.duplicate();
    blocking.push(connection);
    return connection;
  };
  const consumers = [
    new OutboxConsumer({ redis: blockingConnection(), stream: keys.outbox, group: 'decisions', consumer: instanceId, startAt: '0', handle: decisionHandler({ producer, topic: config.decisionsTopic, metrics }), logger, onOutcome }),
  ];
  if (config.slackWebhookUrl) {
    const webhook = new SlackWebhook({ url: config.slackWebhookUrl, onRetry: (error, attempt) => (metrics.slackRetries.inc(), logger.warn({ err: error, attempt }, 'Slack webhook failed; retrying')) });
    const dashboardUrl = (experimentId: string) => `${config.dashboardBaseUrl}/experiments/${encodeURIComponent(experimentId)}`;
    // From now on: an instance that gets a webhook URL later does not post every change of the past.
    consumers.push(new OutboxConsumer({ redis: blockingConnection(), stream: keys.outbox, group: 'slack', consumer: instanceId, startAt: '$', handle: slackAlertHandler({ webhook, dashboardUrl, metrics }), logger, onOutcome }));
  } else {
    logger.info({}, 'SLACK_WEBHOOK_URL is not set: no Slack alerts');
  }

  const live = new LiveUpdates(store, new Gauge({ name: 'results_live_connections', help: 'Open server-sent event streams', registers: [registry] }));
  const readiness = new Readiness()
    .register('results-topics', () => ({ ok: feed.caughtUp, detail: feed.caughtUp ? 'caught up' : `reading ${feed.partitionsBehind.length} partitions up to their start-up end` }))
    .register('redis', async () => (await redis.ping()) === 'PONG');
  const shutdown = new GracefulShutdown({ readiness, logger, ...(options.exit ? { exit: options.exit } : {}) });
  const app = createApp({ store, live, readiness, registry, logger, shutdownMiddleware: shutdown.middleware(), version: SERVICE_VERSION });
  if (!dashboardBuilt()) logger.warn({}, 'the dashboard script is missing (dist/public/app.js): run the build; the API works without it');

  const server = app.listen(config.port, config.host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  for (const consumer of consumers) await consumer.start();
  await feed.start();

  shutdown.install({
    server,
    signals: [],
    steps: [
      { name: 'results-feed', run: () => feed.stop() },
      { name: 'outbox-consumers', run: async () => void (await Promise.all(consumers.map((c) => c.stop()))) },
      { name: 'decisions-producer', run: () => producer.disconnect() },
      { name: 'redis', run: async () => void (await Promise.all([redis, ...blocking].map((connection) => connection.quit()))) },
    ],
  });
  const stop = (reason: string) => {
    // Event streams never end by themselves: end them first, or the server waits for them until the shutdown times out.
    live.close();
    return shutdown.shutdown(reason);
  };
  for (const signal of options.signals ?? []) process.once(signal, () => void stop(signal));
  logger.info({ port, instanceId, topics: [config.resultsTopic, config.breakdownsTopic, config.seriesTopic], decisionsTopic: config.decisionsTopic }, `results dashboard on http://127.0.0.1:${port}/ (API: /api/experiments, /openapi.json)`);
  return { url: `http://127.0.0.1:${port}`, server, store, feed, live, close: () => stop('close') };
}

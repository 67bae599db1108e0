import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { Admin } from 'kafkajs';
import type { Registry } from 'prom-client';
import { BatchingProducer, ThreadedProducer, createKafka, ensureTopics, topicsPresent, type KafkaIoError, type TopicSpec } from '@abtest/kafka-io';
import { GracefulShutdown, Readiness, createMetricsRegistry, type Logger } from '@abtest/observability';
import { createRedis } from '@abtest/redis-io';
import { createApp } from './app';
import type { IngressConfig } from './config';
import type { EventSink } from './ingest';

export interface RunningIngress {
  /** `http://host:port` the server listens on. */
  url: string;
  server: Server;
  readiness: Readiness;
  /** Starts the graceful shutdown; resolves when done (just before `exit`). */
  shutdown(reason: string): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  /** Signals that start the shutdown; none for an ingress inside a test process. */
  signals?: NodeJS.Signals[];
  /** Ends the process after shutdown; tests pass a no-op. */
  exit?: (code: number) => void;
}

/** What the ingress needs of a producer, in a worker thread or not. */
interface EventProducer extends EventSink {
  readonly isReady: boolean;
  /** Age of the oldest write Kafka has not acknowledged (0 when none). */
  pendingForMs(): number;
  close(): Promise<void>;
}

/** The topics the ingress writes, as they must exist. */
export function topicSpecs(config: IngressConfig): TopicSpec[] {
  const { topics } = config;
  const replication = topics.replicationFactor === undefined ? {} : { replicationFactor: topics.replicationFactor };
  const eventTopic = (topic: string): TopicSpec => ({ topic, numPartitions: topics.partitions, configEntries: topics.config, ...replication });
  return [eventTopic(topics.events), ...topics.extra.map(eventTopic), { topic: topics.deadLetter, numPartitions: topics.deadLetterPartitions, configEntries: topics.config, ...replication }];
}

/**
 * Connects to Kafka, creates missing topics, starts the producer and the
 * HTTP server. Whatever started is stopped again if a later step fails.
 */
export async function startIngress(config: IngressConfig, options: StartOptions): Promise<RunningIngress> {
  const { logger } = options;
  if (config.usingDevelopmentSource) {
    logger.warn({ source: config.sources[0] }, 'INGRESS_SOURCES is unset: accepting the development source only (INGRESS_MODE=production refuses this)');
  }
  const registry = createMetricsRegistry({ defaultLabels: { service: 'ingress' } });
  const kafkaLogger = logger.child({ component: 'kafka' });
  const admin = createKafka(config.kafka, kafkaLogger).admin();
  let producer: EventProducer | undefined;
  let rateLimitStore: ReturnType<typeof createRedis> | undefined;
  let extraRegistries: (() => Promise<Registry[]>) | undefined;
  // Set once the server runs: a producer thread that dies then takes the process down gracefully.
  let onProducerFailure = (error: KafkaIoError) => logger.error({ err: error }, 'the producer thread stopped');
  try {
    await admin.connect();
    const specs = topicSpecs(config);
    const ensured = await ensureTopics(admin, specs);
    logger.info({ created: ensured.created, existing: ensured.existing }, 'topics ready');
    for (const drift of ensured.configDrift) logger.warn(drift, 'an existing topic has a setting other than configured; left unchanged');
    if (config.producerThread) {
      const threaded = await ThreadedProducer.start({ ...config.producer, connection: config.kafka, logger: kafkaLogger, metricLabels: { service: 'ingress' }, onFailure: (error) => onProducerFailure(error) });
      extraRegistries = async () => [await threaded.metrics()];
      producer = threaded;
    } else {
      const batching = new BatchingProducer(createKafka(config.kafka, kafkaLogger), { ...config.producer, registry });
      await batching.connect();
      producer = batching;
    }
    const sink = producer;
    const readiness = readinessOf(sink, admin, specs.map((spec) => spec.topic), config.producer.sendTimeoutMs);
    const shutdown = new GracefulShutdown({ readiness, logger, drainDelayMs: config.shutdown.delayMs, timeoutMs: config.shutdown.timeoutMs, ...(options.exit ? { exit: options.exit } : {}) });
    // Rate-limit counters shared by every instance; commands fail fast so a Redis outage falls back to per-instance counters at once.
    rateLimitStore = config.rateLimitRedis ? createRedis(config.rateLimitRedis, { connectionName: 'ingress', maxRetriesPerRequest: 1 }) : undefined;
    rateLimitStore?.on('error', (error: Error) => logger.warn({ err: error }, 'Redis (rate-limit counters) failed: limits are counted per instance until it is back'));
    const listener = createApp({ config, sink, readiness, registry, logger, drain: shutdown.middleware(), ...(extraRegistries ? { extraRegistries } : {}), ...(rateLimitStore ? { rateLimitStore } : {}) });
    const server = createServer(listener).listen(config.http.port, config.http.host);
    await once(server, 'listening');
    shutdown.install({
      server,
      signals: options.signals ?? [],
      steps: [
        { name: 'flush and close the producer', run: () => sink.close() },
        { name: 'disconnect the admin client', run: () => admin.disconnect() },
        ...(rateLimitStore ? [{ name: 'disconnect from Redis', run: async () => void (await rateLimitStore?.quit()) }] : []),
      ],
    });
    onProducerFailure = (error) => {
      logger.fatal({ err: error }, 'the producer thread stopped: shutting down');
      void shutdown.shutdown('producer thread stopped', 1);
    };
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.http.port;
    const url = `http://${config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host}:${port}`;
    logger.info({ url, topic: config.topics.events, deadLetterTopic: config.topics.deadLetter, sources: config.sources.map((source) => source.name), producerThread: config.producerThread }, 'ingress listening');
    return { url, server, readiness, shutdown: (reason) => shutdown.shutdown(reason) };
  } catch (error) {
    rateLimitStore?.disconnect();
    await Promise.allSettled([producer?.close(), admin.disconnect()]);
    throw error;
  }
}

/**
 * Ready while the producer is connected, no write has waited past the
 * produce timeout (a connected producer can still be stuck), and the topics
 * exist.
 */
function readinessOf(producer: EventProducer, admin: Admin, topics: string[], stuckAfterMs: number): Readiness {
  return new Readiness()
    .register('kafka-producer', () => ({ ok: producer.isReady, detail: producer.isReady ? 'connected' : 'not connected' }))
    .register('kafka-writes', () => {
      const waitedMs = producer.pendingForMs();
      return waitedMs > stuckAfterMs ? { ok: false, detail: `a write has waited ${Math.round(waitedMs)} ms for Kafka (INGRESS_PRODUCE_TIMEOUT_MS is ${stuckAfterMs})` } : { ok: true };
    })
    .register('topics', async () => ((await topicsPresent(admin, topics)) ? { ok: true } : { ok: false, detail: `missing one of ${topics.join(', ')}` }));
}

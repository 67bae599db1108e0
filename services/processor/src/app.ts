import express, { type Express } from 'express';
import { Partitioners } from 'kafkajs';
import type { ExperimentState } from '@abtest/experiments';
import { RESULTS_STORE, toResults } from '@abtest/experiments';
import { healthRouter, httpMetrics, type Readiness } from '@abtest/observability';
import type { KafkaStreams } from '@abtest/streams';
import type { Registry } from 'prom-client';

const partitioner = Partitioners.DefaultPartitioner();

/** The partition a key lands on with kafkajs' default (Java-compatible murmur2) partitioner. */
export function partitionOfKey(key: string, partitions: number): number {
  const partitionMetadata = Array.from({ length: partitions }, (_, id) => ({ partitionId: id, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
  return partitioner({ topic: '', partitionMetadata, message: { key, value: null } });
}

export function createApp(options: { streams: KafkaStreams; readiness: Readiness; registry: Registry }): Express {
  const app = express();
  app.use(httpMetrics(options.registry));
  app.use(healthRouter({ readiness: options.readiness, registry: options.registry }));
  /** The current results of one experiment, read from the state store (an interactive query). */
  app.get('/experiments/:id', async (req, res) => {
    const id = req.params.id;
    if (options.streams.currentState === 'CREATED') {
      res.status(503).set('Retry-After', '1').json({ error: 'starting', message: 'the processor has not joined its consumer group yet; retry shortly' });
      return;
    }
    const subtopology = options.streams.topology.subtopologies.find((s) => s.stores.some((store) => store.name === RESULTS_STORE));
    const partitions = options.streams.partitionsOf(subtopology?.id ?? 0);
    const state = await options.streams.query<ExperimentState>(RESULTS_STORE, partitionOfKey(id, partitions), id);
    if (!state) {
      res.status(404).json({ error: 'not_found', message: `no results for experiment "${id}" yet: no exposure or click event has been processed for it` });
      return;
    }
    res.json(toResults(state));
  });
  return app;
}

import Redis from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import { DefinitionsWriter } from '@abtest/definitions';
import { testKafka, testStackEnv } from '@abtest/test-harness';
import { startSlackCapture } from '../results/slack-capture';

/** A process a pipeline test started (ingress, processor, results service). */
export interface StartedProcess {
  process: { stop(): Promise<unknown> };
}

export interface PipelineClients {
  kafka: Kafka;
  admin: Admin;
  redis: Redis;
  writer: DefinitionsWriter;
  slack: Awaited<ReturnType<typeof startSlackCapture>>;
  /** Every process the test starts goes here, to be stopped after its tests. */
  processes: StartedProcess[];
}

/**
 * The clients of a pipeline test (Kafka admin, Redis, the definitions writer
 * and a Slack capture), opened before the describe block's tests and closed
 * after them with every process the tests started.
 */
export function usePipelineClients(definitionsTopic: string): () => PipelineClients {
  let clients: PipelineClients | undefined;
  const processes: StartedProcess[] = [];

  beforeAll(async () => {
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    clients = { kafka, admin, redis: new Redis(testStackEnv().redisUrl), writer: new DefinitionsWriter(kafka, definitionsTopic), slack: await startSlackCapture(), processes };
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.process.stop()));
    await clients?.writer.close();
    await clients?.slack.close();
    clients?.redis.disconnect();
    await clients?.admin.disconnect();
  });

  return () => {
    if (!clients) throw new Error('the pipeline clients open in beforeAll: use them inside a test');
    return clients;
  };
}

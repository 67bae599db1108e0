import Redis from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import { testStackEnv } from './env';
import { testKafka } from './kafka';

/** The clients a describe block of integration tests shares: Kafka, a connected admin, and Redis. */
export interface StackClients {
  kafka: Kafka;
  admin: Admin;
  redis: Redis;
}

/** Connects the clients before the block's tests and disconnects them after; the fields are set from beforeAll on. */
export function useStackClients(): StackClients {
  const clients = {} as StackClients;
  beforeAll(async () => {
    clients.kafka = testKafka();
    clients.admin = clients.kafka.admin();
    await clients.admin.connect();
    clients.redis = new Redis(testStackEnv().redisUrl);
  });
  afterAll(async () => {
    await clients.admin?.disconnect();
    clients.redis?.disconnect();
  });
  return clients;
}

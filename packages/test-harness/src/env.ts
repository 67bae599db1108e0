/** The stack endpoints the global setup put into the environment. */
export interface TestStackEnv {
  kafkaBrokers: string[];
  redisUrl: string;
  schemaRegistryUrl: string;
}

export function testStackEnv(): TestStackEnv {
  const { KAFKA_BROKERS, REDIS_URL, SCHEMA_REGISTRY_URL } = process.env;
  if (!KAFKA_BROKERS || !REDIS_URL || !SCHEMA_REGISTRY_URL) {
    throw new Error('KAFKA_BROKERS, REDIS_URL and SCHEMA_REGISTRY_URL are not set: run integration tests through jest (its global setup starts the stack)');
  }
  return { kafkaBrokers: KAFKA_BROKERS.split(','), redisUrl: REDIS_URL, schemaRegistryUrl: SCHEMA_REGISTRY_URL };
}

/** The PostgreSQL the global setup started (or PG_URL named): the SQL oracle of the tests that compute expected results. */
export function testPostgresUrl(): string {
  const url = process.env.PG_URL;
  if (!url) throw new Error('PG_URL is not set: run integration tests through jest (its global setup starts PostgreSQL)');
  return url;
}

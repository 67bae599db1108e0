export { startStack, stackEnvironment, type Stack, type StackEndpoints, type StartStackOptions } from './stack';
export { startKafka, type KafkaHandle, type StartKafkaOptions } from './kafka';
export { startRedis, type RedisHandle, type StartRedisOptions } from './redis';
export { startSchemaRegistry, type SchemaRegistryHandle } from './schema-registry';
export { ManagedProcess, type ManagedProcessOptions } from './managed-process';
export { getFreePort } from './free-port';
export { waitFor, type WaitOptions } from './wait';
export { StackError, WaitTimeoutError } from './errors';

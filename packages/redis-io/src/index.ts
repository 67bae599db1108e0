export { redisEnvShape, redisEnvSchema, toRedisConnectionConfig, type RedisConnectionConfig, type RedisEnv, type RedisTlsConfig } from './config';
export { createRedis, type RedisClientOptions } from './client';

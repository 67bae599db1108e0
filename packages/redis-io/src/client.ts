import Redis, { Cluster, type RedisOptions } from 'ioredis';
import type { RedisConnectionConfig } from './config';

export interface RedisClientOptions {
  /** Shown by CLIENT LIST; e.g. the service name. */
  connectionName?: string;
  /** ioredis' per-command retries while reconnecting; null waits forever. */
  maxRetriesPerRequest?: number | null;
  /** Connect on the first command instead of at once. */
  lazyConnect?: boolean;
}

/**
 * A Redis client from typed settings: `Redis` for one server, `Cluster` for
 * a Redis Cluster, with ACL credentials and TLS on every connection (cluster
 * nodes discovered through CLUSTER SLOTS included). Everything that runs on
 * one takes `Redis | Cluster`: keys of one operation share a hash tag.
 */
export function createRedis(config: RedisConnectionConfig, options: RedisClientOptions = {}): Redis | Cluster {
  const connection: RedisOptions = {
    ...(options.connectionName ? { connectionName: options.connectionName } : {}),
    ...(options.maxRetriesPerRequest !== undefined ? { maxRetriesPerRequest: options.maxRetriesPerRequest } : {}),
    ...(config.username ? { username: config.username } : {}),
    ...(config.password ? { password: config.password } : {}),
    ...(config.tls ? { tls: { ...config.tls } } : {}),
  };
  const lazyConnect = options.lazyConnect ?? false;
  if (config.mode === 'standalone') return new Redis(config.url, { ...connection, lazyConnect });
  return new Cluster(config.nodes, {
    redisOptions: connection,
    lazyConnect,
    // With TLS, certificates name the hosts as configured: keep host names as
    // they are instead of resolving them to IP addresses the certificate lacks.
    ...(config.tls ? { dnsLookup: (address: string, callback: (error: null, address: string) => void) => callback(null, address) } : {}),
  });
}

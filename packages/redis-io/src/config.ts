import { envBool, envPemFile } from '@abtest/env-config';
import { z } from 'zod';

/** TLS settings; absent means plain TCP. */
export interface RedisTlsConfig {
  /** CA certificates to trust instead of the system's (PEM contents). */
  ca?: string[];
  rejectUnauthorized: boolean;
}

interface RedisCredentials {
  /** ACL user (Redis 6+); `default` when only a password is given. */
  username?: string;
  password?: string;
  tls?: RedisTlsConfig;
}

/** How to reach and authenticate to Redis: one server (or managed primary endpoint) or a Redis Cluster. */
export type RedisConnectionConfig =
  | (RedisCredentials & { mode: 'standalone'; url: string })
  | (RedisCredentials & { mode: 'cluster'; nodes: Array<{ host: string; port: number }> });

const HOST_PORT = /^(?<host>[^:\s]+):(?<port>\d{1,5})$/;

/**
 * The Redis variables every service reads. Services compose it into their own
 * schema (`z.object({ ...redisEnvShape, ...own })`) and check the rules of
 * `redisEnvSchema`, then call `toRedisConnectionConfig`.
 */
export const redisEnvShape = {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://…` for TLS. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/[^\s]+$/, 'must be a URL such as redis://host:6379 or rediss://user:password@host:6380 (TLS)')
    .optional(),
  /** Comma-separated host:port seed nodes of a Redis Cluster. */
  REDIS_CLUSTER_NODES: z
    .string()
    .transform((value) => value.split(',').map((node) => node.trim()).filter(Boolean))
    .refine((nodes) => nodes.length > 0 && nodes.every((node) => HOST_PORT.test(node)), 'must be a comma-separated list of host:port')
    .optional(),
  REDIS_USERNAME: z.string().min(1).optional(),
  REDIS_PASSWORD: z.string().min(1).optional(),
  /** TLS without a rediss:// URL (the only way for REDIS_CLUSTER_NODES). */
  REDIS_TLS: envBool(false),
  REDIS_TLS_CA_FILE: envPemFile.optional(),
  REDIS_TLS_REJECT_UNAUTHORIZED: envBool(true),
};

export const redisEnvSchema = z.object(redisEnvShape).superRefine((env, ctx) => {
  if (!env.REDIS_URL && !env.REDIS_CLUSTER_NODES) {
    ctx.addIssue({ code: 'custom', path: ['REDIS_URL'], message: 'is required: redis://host:port, rediss://user:password@host:port (TLS), or set REDIS_CLUSTER_NODES for a Redis Cluster' });
  }
  if (env.REDIS_URL && env.REDIS_CLUSTER_NODES) {
    ctx.addIssue({ code: 'custom', path: ['REDIS_CLUSTER_NODES'], message: 'must not be set together with REDIS_URL: one server or one cluster' });
  }
  if (env.REDIS_URL && /^rediss?:\/\/[^/@]*@/.test(env.REDIS_URL) && (env.REDIS_USERNAME || env.REDIS_PASSWORD)) {
    ctx.addIssue({ code: 'custom', path: ['REDIS_PASSWORD'], message: 'must not be set together with credentials in REDIS_URL: give them in one place' });
  }
  const tls = env.REDIS_TLS || Boolean(env.REDIS_URL?.startsWith('rediss://'));
  if (!tls && (env.REDIS_TLS_CA_FILE || !env.REDIS_TLS_REJECT_UNAUTHORIZED)) {
    ctx.addIssue({ code: 'custom', path: ['REDIS_TLS'], message: 'is off while REDIS_TLS_CA_FILE or REDIS_TLS_REJECT_UNAUTHORIZED is set: use a rediss:// URL or REDIS_TLS=true' });
  }
});

export type RedisEnv = z.output<typeof redisEnvSchema>;

/** Builds the typed connection settings from parsed variables. */
export function toRedisConnectionConfig(env: RedisEnv): RedisConnectionConfig {
  const credentials: RedisCredentials = {};
  if (env.REDIS_USERNAME) credentials.username = env.REDIS_USERNAME;
  if (env.REDIS_PASSWORD) credentials.password = env.REDIS_PASSWORD;
  if (env.REDIS_TLS || env.REDIS_URL?.startsWith('rediss://')) {
    credentials.tls = { rejectUnauthorized: env.REDIS_TLS_REJECT_UNAUTHORIZED, ...(env.REDIS_TLS_CA_FILE ? { ca: [env.REDIS_TLS_CA_FILE] } : {}) };
  }
  if (env.REDIS_URL) return { mode: 'standalone', url: env.REDIS_URL, ...credentials };
  const nodes = (env.REDIS_CLUSTER_NODES ?? []).map((node) => {
    const match = HOST_PORT.exec(node);
    return { host: match?.groups?.host ?? node, port: Number(match?.groups?.port) };
  });
  return { mode: 'cluster', nodes, ...credentials };
}

import { envBool, envPemFile, envPositiveInt } from '@abtest/env-config';
import { z } from 'zod';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

/** How to reach and authenticate to a Kafka cluster. */
export interface KafkaConnectionConfig {
  brokers: string[];
  clientId: string;
  /** `true` for TLS with the system CAs, or explicit TLS settings (PEM contents). */
  ssl?: boolean | { ca?: string[]; cert?: string; key?: string; rejectUnauthorized: boolean };
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
  /** Time to open a TCP (+TLS) connection. */
  connectionTimeoutMs: number;
  /** Time to wait for any broker response before retrying. */
  requestTimeoutMs: number;
}

export const DEFAULT_CONNECTION_TIMEOUT_MS = 3_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * The Kafka variables every service reads. Services compose it into their own
 * schema (`z.object({ ...kafkaEnvShape, ...own })`) so one parse reports all
 * problems, then call `toKafkaConnectionConfig`.
 */
export const kafkaEnvShape = {
  /** Comma-separated host:port list. */
  KAFKA_BROKERS: z
    .string({ error: 'is required: a comma-separated list of host:port' })
    .transform((value) => value.split(',').map((broker) => broker.trim()).filter(Boolean))
    .refine((brokers) => brokers.length > 0 && brokers.every((broker) => /^[^:\s]+:\d+$/.test(broker)), 'must be a comma-separated list of host:port'),
  KAFKA_CLIENT_ID: z.string().min(1).optional(),
  KAFKA_SSL: envBool(false),
  KAFKA_SSL_CA_FILE: envPemFile.optional(),
  KAFKA_SSL_CERT_FILE: envPemFile.optional(),
  KAFKA_SSL_KEY_FILE: envPemFile.optional(),
  KAFKA_SSL_REJECT_UNAUTHORIZED: envBool(true),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512'], { error: 'must be plain, scram-sha-256 or scram-sha-512' }).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  KAFKA_CONNECTION_TIMEOUT_MS: envPositiveInt(DEFAULT_CONNECTION_TIMEOUT_MS),
  KAFKA_REQUEST_TIMEOUT_MS: envPositiveInt(DEFAULT_REQUEST_TIMEOUT_MS),
};

export const kafkaEnvSchema = z.object(kafkaEnvShape).superRefine((env, ctx) => {
  if (env.KAFKA_SASL_MECHANISM && (!env.KAFKA_SASL_USERNAME || !env.KAFKA_SASL_PASSWORD)) {
    for (const name of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const) {
      if (!env[name]) ctx.addIssue({ code: 'custom', path: [name], message: `is required when KAFKA_SASL_MECHANISM is ${env.KAFKA_SASL_MECHANISM}` });
    }
  }
  if (!env.KAFKA_SASL_MECHANISM && (env.KAFKA_SASL_USERNAME || env.KAFKA_SASL_PASSWORD)) {
    ctx.addIssue({ code: 'custom', path: ['KAFKA_SASL_MECHANISM'], message: 'is required when KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD are set' });
  }
  if (Boolean(env.KAFKA_SSL_CERT_FILE) !== Boolean(env.KAFKA_SSL_KEY_FILE)) {
    ctx.addIssue({ code: 'custom', path: ['KAFKA_SSL_KEY_FILE'], message: 'KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together (client certificate)' });
  }
});

export type KafkaEnv = z.output<typeof kafkaEnvSchema>;

/** Builds the typed connection settings from parsed variables; `clientId` is the default client id. */
export function toKafkaConnectionConfig(env: KafkaEnv, clientId: string): KafkaConnectionConfig {
  const tlsFiles = env.KAFKA_SSL_CA_FILE || env.KAFKA_SSL_CERT_FILE || !env.KAFKA_SSL_REJECT_UNAUTHORIZED;
  const ssl: KafkaConnectionConfig['ssl'] =
    env.KAFKA_SSL && tlsFiles
      ? {
          rejectUnauthorized: env.KAFKA_SSL_REJECT_UNAUTHORIZED,
          ...(env.KAFKA_SSL_CA_FILE ? { ca: [env.KAFKA_SSL_CA_FILE] } : {}),
          ...(env.KAFKA_SSL_CERT_FILE ? { cert: env.KAFKA_SSL_CERT_FILE } : {}),
          ...(env.KAFKA_SSL_KEY_FILE ? { key: env.KAFKA_SSL_KEY_FILE } : {}),
        }
      : env.KAFKA_SSL;
  const config: KafkaConnectionConfig = {
    brokers: env.KAFKA_BROKERS,
    clientId: env.KAFKA_CLIENT_ID ?? clientId,
    connectionTimeoutMs: env.KAFKA_CONNECTION_TIMEOUT_MS,
    requestTimeoutMs: env.KAFKA_REQUEST_TIMEOUT_MS,
  };
  if (ssl) config.ssl = ssl;
  if (env.KAFKA_SASL_MECHANISM && env.KAFKA_SASL_USERNAME && env.KAFKA_SASL_PASSWORD) {
    config.sasl = { mechanism: env.KAFKA_SASL_MECHANISM, username: env.KAFKA_SASL_USERNAME, password: env.KAFKA_SASL_PASSWORD };
  }
  return config;
}

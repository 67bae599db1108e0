import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import type { KafkaConnectionConfig } from './config';
import { assertKafkaJsPatched } from './kafkajs-patches';

/** The logging a Kafka client needs; a pino logger fits. */
export interface KafkaLogger {
  debug(context: object, message: string): void;
  info(context: object, message: string): void;
  warn(context: object, message: string): void;
  error(context: object, message: string): void;
}

/** Backoff of kafkajs' own retries: short, so a recovered broker is used again within seconds. */
export const CLIENT_RETRY = { initialRetryTime: 100, maxRetryTime: 2_000, retries: 8 } as const;

/**
 * A kafkajs client from typed settings, TLS and SASL included, logging
 * through `logger` as structured JSON instead of kafkajs' console output.
 * Refuses (KafkaJsUnpatchedError) when kafkajs was installed unpatched.
 */
export function createKafka(config: KafkaConnectionConfig, logger?: KafkaLogger): Kafka {
  assertKafkaJsPatched();
  const options: KafkaConfig = {
    clientId: config.clientId,
    brokers: config.brokers,
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    retry: { ...CLIENT_RETRY },
    logLevel: logger ? logLevel.INFO : logLevel.NOTHING,
  };
  if (config.ssl !== undefined) options.ssl = config.ssl;
  if (config.sasl) options.sasl = saslOptions(config.sasl);
  if (logger) options.logCreator = () => (entry) => writeLog(logger, entry);
  return new Kafka(options);
}

function saslOptions({ mechanism, username, password }: NonNullable<KafkaConnectionConfig['sasl']>): SASLOptions {
  switch (mechanism) {
    case 'plain':
      return { mechanism, username, password };
    case 'scram-sha-256':
      return { mechanism, username, password };
    case 'scram-sha-512':
      return { mechanism, username, password };
  }
}

function writeLog(logger: KafkaLogger, entry: LogEntry): void {
  const { message, timestamp: _timestamp, ...extra } = entry.log;
  const context = { namespace: entry.namespace, ...extra };
  if (entry.level === logLevel.ERROR) logger.error(context, message);
  else if (entry.level === logLevel.WARN) logger.warn(context, message);
  else if (entry.level === logLevel.INFO) logger.info(context, message);
  else logger.debug(context, message);
}

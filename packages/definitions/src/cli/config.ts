import { parseEnv } from '@abtest/env-config';
import { kafkaEnvSchema, toKafkaConnectionConfig, type KafkaConnectionConfig } from '@abtest/kafka-io';
import { z } from 'zod';
import { DEFAULT_DEFINITIONS_TOPIC } from '../topic';

/** A variable of the environment is missing or wrong. */
export class CliConfigError extends Error {
  override readonly name = 'CliConfigError';
}

export interface CliConfig {
  kafka: KafkaConnectionConfig;
  /** `DEFINITIONS_TOPIC`. */
  topic: string;
}

const cliEnvSchema = z.intersection(kafkaEnvSchema, z.object({ DEFINITIONS_TOPIC: z.string().min(1, 'must not be empty').default(DEFAULT_DEFINITIONS_TOPIC) }));

/** The CLI's connection from `KAFKA_*` (as every service reads them) and `DEFINITIONS_TOPIC`; throws CliConfigError naming every wrong variable. */
export function cliConfig(env: NodeJS.ProcessEnv): CliConfig {
  const parsed = parseEnv(cliEnvSchema, env, CliConfigError);
  return { kafka: toKafkaConnectionConfig(parsed, 'abtest-definitions'), topic: parsed.DEFINITIONS_TOPIC };
}

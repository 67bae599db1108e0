import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { RESULTS_AVRO_SCHEMA } from '@abtest/experiments';
import type { Serializer } from '@abtest/streams';

const REGISTER_ATTEMPTS = 5;
const REGISTER_BACKOFF_MS = 200;

/**
 * Encodes results records: Avro in Confluent's wire format with the schema
 * registered under `<topic>-value` (BACKWARD compatibility), or JSON when no
 * registry is configured.
 */
export async function createResultsSerializer(topic: string, registryUrl: string | undefined): Promise<Serializer> {
  if (!registryUrl) return (value) => JSON.stringify(value);
  const registry = new SchemaRegistry({ host: registryUrl });
  const id = await registerWithRetry(registry, `${topic}-value`);
  return (value) => registry.encode(id, value);
}

/**
 * Instances starting together race to set the subject's compatibility rule;
 * the loser gets a conflict, and a second attempt finds the rule in place.
 */
async function registerWithRetry(registry: SchemaRegistry, subject: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(RESULTS_AVRO_SCHEMA) }, { subject });
      return id;
    } catch (error) {
      if (attempt >= REGISTER_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, REGISTER_BACKOFF_MS * attempt));
    }
  }
}

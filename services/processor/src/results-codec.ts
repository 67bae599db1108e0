import { COMPATIBILITY as COMPATIBILITY_LEVELS, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { RESULTS_AVRO_SCHEMA } from '@abtest/experiments';
import type { Serializer } from '@abtest/streams';

const REGISTER_ATTEMPTS = 5;
/** New fields must have defaults, so consumers with the previous schema keep reading. */
const COMPATIBILITY = COMPATIBILITY_LEVELS.BACKWARD;
const REGISTER_BACKOFF_MS = 200;

/**
 * Encodes results records: Avro in Confluent's wire format with the schema
 * registered under `<topic>-value` (BACKWARD compatibility), or JSON when no
 * registry is configured.
 */
export async function createResultsSerializer(topic: string, registryUrl: string | undefined): Promise<Serializer> {
  if (!registryUrl) return (value) => JSON.stringify(value);
  const registry = new SchemaRegistry({ host: registryUrl });
  const subject = `${topic}-value`;
  const id = await registerWithRetry(registryUrl, registry, subject);
  return (value) => registry.encode(id, value);
}

/**
 * Sets the subject's compatibility before registering: the library sets it
 * after its first registration, so an instance killed in between (or a race
 * of instances) would leave a subject its check then refuses forever.
 * Conflicts of instances starting together are retried.
 */
async function registerWithRetry(registryUrl: string, registry: SchemaRegistry, subject: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      await setCompatibility(registryUrl, subject, COMPATIBILITY);
      const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(RESULTS_AVRO_SCHEMA) }, { subject, compatibility: COMPATIBILITY });
      return id;
    } catch (error) {
      if (attempt >= REGISTER_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, REGISTER_BACKOFF_MS * attempt));
    }
  }
}

async function setCompatibility(registryUrl: string, subject: string, compatibility: string): Promise<void> {
  const response = await fetch(`${registryUrl}/config/${encodeURIComponent(subject)}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ compatibility }),
  });
  if (!response.ok) throw new Error(`setting compatibility ${compatibility} on subject ${subject} failed: HTTP ${response.status} ${await response.text()}`);
}

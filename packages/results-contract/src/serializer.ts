import { COMPATIBILITY as COMPATIBILITY_LEVELS, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { retry } from '@abtest/retry';
import { z } from 'zod';
import { IncompatibleSchemaError, SchemaRegistryError } from './errors';
import type { AvroNamedType } from './shape';
import { valueSubject } from './topics';

/** Registration is tried 5 times, 200 ms apart and growing: a registry still starting, or instances registering at once. */
const REGISTER_RETRY = { attempts: 5, initialDelayMs: 200, maxDelayMs: 2_000 } as const;
/** New fields must have defaults, so consumers with the previous schema keep reading. */
const COMPATIBILITY = COMPATIBILITY_LEVELS.BACKWARD;
const REGISTRY_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
/** Confluent's answer for a subject without versions; Apicurio answers `is_compatible: true` instead. */
const HTTP_NOT_FOUND = 404;
const compatibilityAnswer = z.object({ is_compatible: z.boolean(), messages: z.array(z.string()).optional() });

/** Encodes a record value for a topic; null (a tombstone) stays null. Fits @abtest/streams' Serializer. */
export type ValueSerializer = (value: unknown) => Buffer | string | null | Promise<Buffer | string | null>;

/**
 * Encodes a topic's values: Avro in Confluent's wire format with `schema`
 * registered under `<topic>-value` (BACKWARD compatibility), or JSON when no
 * registry is configured. Null values (tombstones) stay null.
 *
 * @throws IncompatibleSchemaError at once when the registry finds the schema
 *   incompatible with the subject's latest version; the last error after
 *   REGISTER_RETRY's attempts otherwise.
 */
export async function createAvroSerializer(topic: string, schema: AvroNamedType, registryUrl: string | undefined): Promise<ValueSerializer> {
  if (!registryUrl) return (value) => (value === null ? null : JSON.stringify(value));
  const registry = new SchemaRegistry({ host: registryUrl });
  const id = await registerWithRetry(registryUrl, registry, valueSubject(topic), schema);
  return (value) => (value === null ? null : registry.encode(id, value));
}

/**
 * Sets the subject's compatibility before registering: the library sets it
 * after its first registration, so an instance killed in between (or a race
 * of instances) would leave a subject its check then refuses forever.
 * Conflicts of instances starting together are retried (the registry
 * answers them with HTTP 409, as it does an incompatible schema: hence the
 * explicit compatibility check first, whose refusal is not retried).
 */
async function registerWithRetry(registryUrl: string, registry: SchemaRegistry, subject: string, schema: AvroNamedType): Promise<number> {
  const text = JSON.stringify(schema);
  // The schema registry client's own errors carry no retriable flag: they are retried too (a 409 of two instances registering at once).
  return retry(
    async () => {
      await setCompatibility(registryUrl, subject, COMPATIBILITY);
      await checkCompatible(registryUrl, subject, schema.name, text);
      const { id } = await registry.register({ type: SchemaType.AVRO, schema: text }, { subject, compatibility: COMPATIBILITY });
      return id;
    },
    { ...REGISTER_RETRY, retryUnknown: true },
  );
}

async function checkCompatible(registryUrl: string, subject: string, name: string, schema: string): Promise<void> {
  const response = await fetch(`${registryUrl}/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest?verbose=true`, {
    method: 'POST',
    headers: { 'Content-Type': REGISTRY_CONTENT_TYPE },
    body: JSON.stringify({ schema }),
  });
  if (response.status === HTTP_NOT_FOUND) return;
  if (!response.ok) throw new SchemaRegistryError(`checking schema ${name} against subject ${subject} failed: HTTP ${response.status} ${await response.text()}`);
  const answer = compatibilityAnswer.parse(await response.json());
  if (answer.is_compatible) return;
  const details = answer.messages?.length ? answer.messages.join('; ') : 'the registry gave no details';
  throw new IncompatibleSchemaError(
    `schema ${name} is not ${COMPATIBILITY}-compatible with the latest version of subject ${subject} (${details}): expected every field added since to have a default and no field's type to change`,
  );
}

async function setCompatibility(registryUrl: string, subject: string, compatibility: string): Promise<void> {
  const response = await fetch(`${registryUrl}/config/${encodeURIComponent(subject)}`, {
    method: 'PUT',
    headers: { 'Content-Type': REGISTRY_CONTENT_TYPE },
    body: JSON.stringify({ compatibility }),
  });
  if (!response.ok) throw new SchemaRegistryError(`setting compatibility ${compatibility} on subject ${subject} failed: HTTP ${response.status} ${await response.text()}`);
}

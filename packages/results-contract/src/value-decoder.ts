import { RecordDecodeError } from './errors';

/** Confluent's wire format starts with this byte, then a 4-byte schema id. */
const CONFLUENT_MAGIC_BYTE = 0;
const SCHEMA_ID_END = 5;

/** What decodes Confluent-framed Avro; `SchemaRegistry` of @kafkajs/confluent-schema-registry fits. */
export interface AvroDecoder {
  decode(buffer: Buffer): Promise<unknown>;
}

export type ValueDecoder = (value: Buffer) => Promise<unknown>;

/**
 * Decodes a record value: Avro in Confluent's wire format through the
 * registry (the writer schema comes from the registry, so schema evolution
 * needs no change here), anything else as JSON.
 */
export function createValueDecoder(registry: AvroDecoder | undefined): ValueDecoder {
  return async (value) => {
    if (value.length > 0 && value[0] === CONFLUENT_MAGIC_BYTE) {
      if (!registry) throw new RecordDecodeError('the value is Avro (Confluent wire format) but no schema registry is configured: set SCHEMA_REGISTRY_URL');
      try {
        return await registry.decode(value);
      } catch (error) {
        // The registry may be unreachable for a moment: worth another try, unlike a malformed value.
        throw new RecordDecodeError(`cannot decode the Avro value with schema id ${value.length >= SCHEMA_ID_END ? value.readInt32BE(1) : '?'}: ${error instanceof Error ? error.message : String(error)}`, { cause: error, retriable: true });
      }
    }
    try {
      return JSON.parse(value.toString('utf8')) as unknown;
    } catch (error) {
      throw new RecordDecodeError(`the value is neither Avro (magic byte 0) nor JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  };
}

import { randomUUID } from 'node:crypto';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { z } from 'zod';
import { RESULTS_AVRO_SCHEMA_V1 } from '../test/fixtures/results-avro-v1';
import { RESULTS_AVRO_SCHEMA_V2 } from '../test/fixtures/results-avro-v2';
import { RESULTS_AVRO_SCHEMA_V3 } from '../test/fixtures/results-avro-v3';
import { breakdownRecord, rebuildingResultsRecord, resultsRecordV1, seriesRecord, SIGNIFICANT_AT } from '../test/fixtures/results-records';
import { IncompatibleSchemaError } from './errors';
import { BREAKDOWN_AVRO_SCHEMA, RESULTS_AVRO_SCHEMA, SERIES_AVRO_SCHEMA } from './records';
import { createAvroSerializer } from './serializer';

/** Set by the integration project's global setup. */
function registryUrl(): string {
  const url = process.env.SCHEMA_REGISTRY_URL;
  if (!url) throw new Error('SCHEMA_REGISTRY_URL is not set: run integration tests through jest (its global setup starts the stack)');
  return url;
}

const uniqueTopic = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const versionsAnswer = z.array(z.number());
const configAnswer = z.object({ compatibilityLevel: z.string() });

async function getJson<T>(url: string, schema: z.ZodType<T>): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status} ${await response.text()}`);
  return schema.parse(await response.json());
}

async function serialize(serializer: Awaited<ReturnType<typeof createAvroSerializer>>, value: unknown): Promise<Buffer> {
  const encoded = await serializer(value);
  if (!Buffer.isBuffer(encoded)) throw new Error(`expected an Avro buffer, got ${typeof encoded}`);
  return encoded;
}

describe('createAvroSerializer > schema registry', () => {
  let registry: SchemaRegistry;

  beforeAll(() => {
    registry = new SchemaRegistry({ host: registryUrl() });
  });

  it('should register the current results schema over version 1 under the same subject, with BACKWARD compatibility', async () => {
    const topic = uniqueTopic('results');
    await createAvroSerializer(topic, RESULTS_AVRO_SCHEMA_V1, registryUrl());
    await createAvroSerializer(topic, RESULTS_AVRO_SCHEMA, registryUrl());
    // Registering the same schema again (a restart) adds no version.
    await createAvroSerializer(topic, RESULTS_AVRO_SCHEMA, registryUrl());
    expect(await getJson(`${registryUrl()}/subjects/${topic}-value/versions`, versionsAnswer)).toHaveLength(2);
    expect(await getJson(`${registryUrl()}/config/${topic}-value`, configAnswer)).toEqual({ compatibilityLevel: 'BACKWARD' });
  });

  it('should register the current results schema over version 2 (the decision fields added with defaults)', async () => {
    const topic = uniqueTopic('results');
    await createAvroSerializer(topic, RESULTS_AVRO_SCHEMA_V1, registryUrl());
    await createAvroSerializer(topic, RESULTS_AVRO_SCHEMA_V2, registryUrl());
    await createAvroSerializer(topic, RESULTS_AVRO_SCHEMA, registryUrl());
    expect(await getJson(`${registryUrl()}/subjects/${topic}-value/versions`, versionsAnswer)).toHaveLength(3);
  });

  it('should register the current results schema over version 3 (the state-rebuild fields added with defaults) and read its records with them null', async () => {
    const topic = uniqueTopic('results');
    await createAvroSerializer(topic, RESULTS_AVRO_SCHEMA_V1, registryUrl());
    await createAvroSerializer(topic, RESULTS_AVRO_SCHEMA_V2, registryUrl());
    const v3 = await createAvroSerializer(topic, RESULTS_AVRO_SCHEMA_V3, registryUrl());
    await createAvroSerializer(topic, RESULTS_AVRO_SCHEMA, registryUrl());
    expect(await getJson(`${registryUrl()}/subjects/${topic}-value/versions`, versionsAnswer)).toHaveLength(4);
    // What a version-3 writer produced: the record without backfill and counted_from.
    const { backfill: _backfill, counted_from: _countedFrom, ...written } = rebuildingResultsRecord(SIGNIFICANT_AT);
    const read = await registry.decode(await serialize(v3, written), { [SchemaType.AVRO]: { readerSchema: RESULTS_AVRO_SCHEMA } });
    expect(read).toEqual({ ...written, backfill: null, counted_from: null });
  });

  it('should refuse a new field without a default, at once and without adding a version', async () => {
    const topic = uniqueTopic('results');
    const subject = `${topic}-value`;
    await createAvroSerializer(topic, RESULTS_AVRO_SCHEMA_V1, registryUrl());
    const incompatible = { ...RESULTS_AVRO_SCHEMA, fields: [...RESULTS_AVRO_SCHEMA.fields, { name: 'owner', type: 'string' }] };

    // No retries for a refusal: the first answer is final (counted in compatibility checks, not by the clock).
    const fetches = jest.spyOn(globalThis, 'fetch');
    try {
      await expect(createAvroSerializer(topic, incompatible, registryUrl())).rejects.toThrow(IncompatibleSchemaError);
      expect(fetches.mock.calls.filter(([url]) => String(url).includes('/compatibility/subjects/'))).toHaveLength(1);
    } finally {
      fetches.mockRestore();
    }
    // The registry itself refuses it too, not only the pre-check.
    await expect(registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(incompatible) }, { subject })).rejects.toMatchObject({ status: 409 });
    expect(await getJson(`${registryUrl()}/subjects/${subject}/versions`, versionsAnswer)).toHaveLength(1);
  });

  it('should encode a full results record that the registry client decodes, also for a reader with version 1', async () => {
    const topic = uniqueTopic('results');
    await createAvroSerializer(topic, RESULTS_AVRO_SCHEMA_V1, registryUrl());
    const serializer = await createAvroSerializer(topic, RESULTS_AVRO_SCHEMA, registryUrl());
    const record = rebuildingResultsRecord(SIGNIFICANT_AT);

    const encoded = await serialize(serializer, record);
    expect(await registry.decode(encoded)).toEqual(record);
    const { analysis: _analysis, control_variant_id: _control, started_at: _started, status: _status, status_reason: _reason, backfill: _backfill, counted_from: _countedFrom, ...counts } = record;
    const asV1 = await registry.decode(encoded, { [SchemaType.AVRO]: { readerSchema: RESULTS_AVRO_SCHEMA_V1 } });
    expect(asV1).toEqual({
      ...counts,
      variants: record.variants.map(({ variant_id, variant_name, unique_views, total_views, unique_clicks, total_clicks }) => ({ variant_id, variant_name, unique_views, total_views, unique_clicks, total_clicks })),
      data_quality: { clicks_on_unviewed_variants: record.data_quality.clicks_on_unviewed_variants },
    });
    expect(await serializer(null)).toBeNull();
  });

  it('should read a version 1 record with the current schema as reader, with the defaults', async () => {
    const topic = uniqueTopic('results');
    const written = resultsRecordV1();
    const encoded = await serialize(await createAvroSerializer(topic, RESULTS_AVRO_SCHEMA_V1, registryUrl()), written);
    await createAvroSerializer(topic, RESULTS_AVRO_SCHEMA, registryUrl());
    const read = await registry.decode(encoded, { [SchemaType.AVRO]: { readerSchema: RESULTS_AVRO_SCHEMA } });
    expect(read).toMatchObject({ ...written, status: null, analysis: null, data_quality: { variant_switchers: 0 }, variants: [{ persons: 0, metrics: [] }] });
  });

  it.each([
    ['breakdowns', BREAKDOWN_AVRO_SCHEMA, breakdownRecord()],
    ['series', SERIES_AVRO_SCHEMA, seriesRecord()],
  ])('should register the %s schema and encode records the registry client decodes', async (name, schema, record) => {
    const topic = uniqueTopic(`results-${name}`);
    const encoded = await serialize(await createAvroSerializer(topic, schema, registryUrl()), record);
    expect(await registry.decode(encoded)).toEqual(record);
  });

  it('should write JSON without a registry', async () => {
    const serializer = await createAvroSerializer(uniqueTopic('results'), RESULTS_AVRO_SCHEMA, undefined);
    expect(await serializer({ a: 1 })).toBe('{"a":1}');
  });
});

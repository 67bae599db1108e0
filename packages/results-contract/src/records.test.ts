import type { ExperimentResults as StatsExperimentResults } from '@abtest/stats';
import { Type } from 'avsc';
import { z } from 'zod';
import { RESULTS_AVRO_SCHEMA_V1 } from '../test/fixtures/results-avro-v1';
import { RESULTS_AVRO_SCHEMA_V2 } from '../test/fixtures/results-avro-v2';
import { RESULTS_AVRO_SCHEMA_V3 } from '../test/fixtures/results-avro-v3';
import { breakdownRecord, COLLECTING_AT, fullResultsRecord, HOUR_MS, rebuildingResultsRecord, resultsRecordV1, seriesRecord, SIGNIFICANT_AT, STARTED_AT } from '../test/fixtures/results-records';
import { BREAKDOWN_AVRO_SCHEMA, breakdownRecordSchema, RESULTS_AVRO_SCHEMA, resultsRecordSchema, SERIES_AVRO_SCHEMA, seriesRecordSchema, writeSchemas, type ExperimentAnalysis } from './records';
import type { AvroField, AvroNamedType, AvroSchema } from './shape';

/** Every field of a record schema by its path, with the fields of the records nested in it (directly or as array items). */
function fieldsByPath(schema: AvroNamedType, prefix = ''): Map<string, AvroField> {
  const fields = new Map<string, AvroField>();
  for (const field of schema.fields) {
    const path = `${prefix}${field.name}`;
    fields.set(path, field);
    const nested = typeof field.type === 'object' && !Array.isArray(field.type) && field.type.type === 'array' ? field.type.items : field.type;
    if (typeof nested === 'object' && !Array.isArray(nested) && nested.type === 'record') {
      for (const [innerPath, inner] of fieldsByPath(nested, `${path}.`)) fields.set(innerPath, inner);
    }
  }
  return fields;
}

describe('Avro schemas > results', () => {
  const type = Type.forSchema(RESULTS_AVRO_SCHEMA);

  it.each([
    ['collecting, against a zero-conversion control', COLLECTING_AT],
    ['significant, with its significant result', SIGNIFICANT_AT],
  ])('should round-trip a full record with the real statistics: %s', (_, now) => {
    const record = fullResultsRecord(now);
    expect(record.analysis?.comparisons.find((c) => c.metric_id === 'purchase')?.relative_lift.estimate).toBeNull();
    expect(type.isValid(record)).toBe(true);
    expect(type.fromBuffer(type.toBuffer(record))).toEqual(record);
  });

  it.each([
    ['with its ETA', 190],
    ['before a rate is measured', null],
  ])('should round-trip a record of a state rebuild in progress, %s', (_, eta) => {
    const record = rebuildingResultsRecord(SIGNIFICANT_AT, eta);
    expect(record.backfill).toMatchObject({ generation: 2, events_read: 1_234, events_total: 2_740, eta_seconds: eta });
    expect(type.isValid(record)).toBe(true);
    expect(type.fromBuffer(type.toBuffer(record))).toEqual(record);
  });

  it('should have fixtures covering a collecting record and a significant result', () => {
    expect(fullResultsRecord(COLLECTING_AT).analysis).toMatchObject({ status: 'collecting', significant_result: null });
    expect(fullResultsRecord(SIGNIFICANT_AT).analysis).toMatchObject({ status: 'significant', significant_result: { variant_id: 'blue', outcome: 'winner' } });
  });

  it('should read a record written with version 1 and give it the defaults', () => {
    const v1 = Type.forSchema(RESULTS_AVRO_SCHEMA_V1);
    const written = resultsRecordV1();
    const read = type.fromBuffer(v1.toBuffer(written), type.createResolver(v1));
    expect(read).toEqual({
      ...written,
      variants: written.variants.map((v) => ({ ...v, persons: 0, allocation_weight: null, metrics: [] })),
      data_quality: { clicks_on_unviewed_variants: 1, variant_switchers: 0 },
      control_variant_id: null,
      started_at: null,
      status: null,
      status_reason: null,
      analysis: null,
      backfill: null,
      counted_from: null,
    });
  });

  it('should read a record written with version 2 (before roles and guardrails) and give the decision fields their defaults', () => {
    const v2 = Type.forSchema(RESULTS_AVRO_SCHEMA_V2);
    const current = fullResultsRecord(SIGNIFICANT_AT);
    // What a version-2 writer produced: the same record without the fields added since (avsc drops unknown fields on write).
    const read = type.fromBuffer(v2.toBuffer(v2.clone(current, { wrapUnions: false })), type.createResolver(v2)) as typeof current;
    expect(read.analysis?.guardrail_alpha).toBe(0.05);
    expect(read.analysis?.guardrail_failures).toEqual([]);
    expect(read.analysis?.sequential_restart_reason).toBeNull();
    expect(read.analysis?.srm.sequential_p_value).toBeNull();
    expect(read.analysis?.comparisons.map((c) => [c.metric_role, c.verdict, c.cs_conflict, c.guardrail_p_value_adjusted])).toEqual(current.analysis?.comparisons.map(() => ['primary', 'inconclusive', false, null]));
    expect(read.analysis?.status).toBe(current.analysis?.status);
  });

  it('should read a record written with version 3 (before state rebuilds): no backfill, the whole history counted', () => {
    const v3 = Type.forSchema(RESULTS_AVRO_SCHEMA_V3);
    const current = rebuildingResultsRecord(SIGNIFICANT_AT);
    const read = type.fromBuffer(v3.toBuffer(v3.clone(current, { wrapUnions: false })), type.createResolver(v3));
    expect(read).toEqual({ ...current, backfill: null, counted_from: null });
  });

  it('should give every field added since version 1 a default', () => {
    const v1 = fieldsByPath(RESULTS_AVRO_SCHEMA_V1);
    // Fields inside a record that is itself new (the analysis, a variant's metrics, the backfill) come with it: they need no default.
    const added = [...fieldsByPath(RESULTS_AVRO_SCHEMA)].filter(([path]) => !v1.has(path) && !['analysis.', 'variants.metrics.', 'backfill.'].some((inside) => path.startsWith(inside)));
    expect(added.map(([path]) => path)).toEqual(expect.arrayContaining(['variants.persons', 'variants.metrics', 'data_quality.variant_switchers', 'status', 'analysis', 'backfill', 'counted_from']));
    expect(added.filter(([, field]) => !('default' in field)).map(([path]) => path)).toEqual([]);
  });

  it('should not resolve version 1 records with a new field without a default: the check the registry makes', () => {
    const withoutDefault = { ...RESULTS_AVRO_SCHEMA, fields: [...RESULTS_AVRO_SCHEMA.fields, { name: 'owner', type: 'string' }] };
    expect(() => Type.forSchema(withoutDefault).createResolver(Type.forSchema(RESULTS_AVRO_SCHEMA_V1))).toThrow(/owner/);
  });

  it('should refuse a count that is not an integer and keep sums that are not', () => {
    const record = fullResultsRecord(STARTED_AT + HOUR_MS);
    const [control, ...others] = record.variants;
    if (!control) throw new Error('the fixture has no variants');
    expect(type.isValid({ ...record, variants: [{ ...control, persons: 610.5 }, ...others] })).toBe(false);
    const revenue = { metric_id: 'revenue', sum: 2_871.35, sum_squares: 243_190.0625 };
    expect(type.fromBuffer(type.toBuffer(record))).toMatchObject({ variants: [{}, { metrics: [{}, revenue] }, {}] });
  });
});

describe('Avro schemas > breakdowns and series', () => {
  it('should round-trip a breakdown record', () => {
    const type = Type.forSchema(BREAKDOWN_AVRO_SCHEMA);
    const record = breakdownRecord();
    expect(record.variants[0]?.metrics[0]?.mean).toBeNull();
    expect(type.fromBuffer(type.toBuffer(record))).toEqual(record);
  });

  it('should round-trip a series record', () => {
    const type = Type.forSchema(SERIES_AVRO_SCHEMA);
    const record = seriesRecord();
    expect(type.fromBuffer(type.toBuffer(record))).toEqual(record);
  });
});

/** The field paths of a zod object schema, with those of the objects nested in it (directly, as list items, or nullable). */
function zodPaths(schema: z.ZodType, prefix = ''): string[] {
  const inner = schema instanceof z.ZodNullable ? schema.unwrap() : schema instanceof z.ZodArray ? schema.element : schema;
  if (!(inner instanceof z.ZodObject)) return [];
  return Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([name, field]) => [`${prefix}${name}`, ...zodPaths(field, `${prefix}${name}.`)]);
}

/** The same for an Avro schema; a named type referred to by name is looked up among those defined before. */
function avroPaths(type: AvroSchema, prefix = '', defined = new Map<string, AvroNamedType>()): string[] {
  const union = Array.isArray(type) ? type.find((t) => t !== 'null') : type;
  const inner = typeof union === 'object' && !Array.isArray(union) && union.type === 'array' ? union.items : union;
  const record = typeof inner === 'string' ? defined.get(inner) : typeof inner === 'object' && !Array.isArray(inner) && inner.type === 'record' ? inner : undefined;
  if (!record) return [];
  defined.set(record.name, record);
  return record.fields.flatMap((field) => [`${prefix}${field.name}`, ...avroPaths(field.type, `${prefix}${field.name}.`, defined)]);
}

/** Compile-time: A and B are the same type. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameAnalysis: Same<ExperimentAnalysis, StatsExperimentResults> = true;

describe('Contract > one definition', () => {
  const topics = [
    ['results', RESULTS_AVRO_SCHEMA, writeSchemas.results, resultsRecordSchema, () => rebuildingResultsRecord(SIGNIFICANT_AT)],
    ['breakdown', BREAKDOWN_AVRO_SCHEMA, writeSchemas.breakdown, breakdownRecordSchema, breakdownRecord],
    ['series', SERIES_AVRO_SCHEMA, writeSchemas.series, seriesRecordSchema, seriesRecord],
  ] as const;

  it.each(topics)('should have the same fields in the Avro schema and the zod schemas of the %s record', (_, avro, write, read) => {
    const fields = avroPaths(avro);
    expect(fields.length).toBeGreaterThan(10);
    expect(zodPaths(write)).toEqual(fields);
    // The reader's schema wraps fields with defaults (absent → null): its top-level fields are the same.
    expect(Object.keys(read.shape)).toEqual(avro.fields.map((f) => f.name));
  });

  it.each(topics)('should carry a %s record through the writer schema, Avro and the parser unchanged', (_, avro, write, read, fixture) => {
    const record = fixture();
    const type = Type.forSchema(avro);
    expect(write.parse(record)).toEqual(record);
    expect(read.parse(type.fromBuffer(type.toBuffer(write.parse(record))))).toEqual(record);
  });

  it('should type the analysis exactly as @abtest/stats computes it', () => {
    expect(sameAnalysis).toBe(true);
  });

  it('should read a version 1 record resolved by the current schema with its Avro defaults', () => {
    const v1 = Type.forSchema(RESULTS_AVRO_SCHEMA_V1);
    const current = Type.forSchema(RESULTS_AVRO_SCHEMA);
    const resolved = current.fromBuffer(v1.toBuffer(resultsRecordV1()), current.createResolver(v1));
    expect(resultsRecordSchema.parse(resolved)).toMatchObject({ status: null, variants: [{ persons: 0, metrics: [] }], data_quality: { variant_switchers: 0 }, backfill: null, counted_from: null });
  });
});

import { Type } from 'avsc';
import { RESULTS_AVRO_SCHEMA_V1 } from '../test/fixtures/results-avro-v1';
import { breakdownRecord, COLLECTING_AT, fullResultsRecord, HOUR_MS, resultsRecordV1, seriesRecord, SIGNIFICANT_AT, STARTED_AT } from '../test/fixtures/results-records';
import { BREAKDOWN_AVRO_SCHEMA, RESULTS_AVRO_SCHEMA, SERIES_AVRO_SCHEMA, type AvroField, type AvroNamedType } from './avro';

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
    });
  });

  it('should give every field added since version 1 a default', () => {
    const v1 = fieldsByPath(RESULTS_AVRO_SCHEMA_V1);
    // Fields inside a record that is itself new (the analysis, a variant's metrics) come with it: they need no default.
    const added = [...fieldsByPath(RESULTS_AVRO_SCHEMA)].filter(([path]) => !v1.has(path) && !path.startsWith('analysis.') && !path.startsWith('variants.metrics.'));
    expect(added.map(([path]) => path)).toEqual(expect.arrayContaining(['variants.persons', 'variants.metrics', 'data_quality.variant_switchers', 'status', 'analysis']));
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

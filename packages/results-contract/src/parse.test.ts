import { Type } from 'avsc';
import { RESULTS_AVRO_SCHEMA_V1 } from '../test/fixtures/results-avro-v1';
import { breakdownRecord, COLLECTING_AT, fullResultsRecord, rebuildingResultsRecord, resultsRecordV1, seriesRecord, SIGNIFICANT_AT } from '../test/fixtures/results-records';
import { RecordDecodeError } from './errors';
import { parseBreakdownRecord, parseResultsRecord, parseSeriesRecord } from './records';

describe('parseResultsRecord', () => {
  it.each([
    ['collecting', fullResultsRecord(COLLECTING_AT)],
    ['significant', fullResultsRecord(SIGNIFICANT_AT)],
    ['while the state is rebuilt', rebuildingResultsRecord(SIGNIFICANT_AT)],
    ['while the state is rebuilt, no ETA yet', rebuildingResultsRecord(SIGNIFICANT_AT, null)],
  ])('should read a current record as written: %s', (_, record) => {
    expect(parseResultsRecord(record)).toEqual(record);
  });

  it('should read a record written with version 1 (as the registry decodes it, with its writer schema): the fields added since are null, variant metrics []', () => {
    const v1 = Type.forSchema(RESULTS_AVRO_SCHEMA_V1);
    const parsed = parseResultsRecord(v1.fromBuffer(v1.toBuffer(resultsRecordV1())));
    expect(parsed).toMatchObject({ status: null, status_reason: null, analysis: null, control_variant_id: null, started_at: null, backfill: null, counted_from: null, data_quality: { clicks_on_unviewed_variants: 1, variant_switchers: null } });
    expect(parsed.variants).toEqual([expect.objectContaining({ variant_id: 'a', persons: null, allocation_weight: null, metrics: [] })]);
  });

  it('should accept the analysis as a nested record or as a JSON string', () => {
    const record = fullResultsRecord(SIGNIFICANT_AT);
    expect(parseResultsRecord({ ...record, analysis: JSON.stringify(record.analysis) }).analysis).toEqual(record.analysis);
    expect(record.analysis?.significant_result?.outcome).toBe('winner');
  });

  it('should name the wrong fields of an invalid record', () => {
    const invalid = { ...resultsRecordV1(), version: 'two', variants: [{ variant_id: 'a' }] };
    expect(() => parseResultsRecord(invalid)).toThrow(RecordDecodeError);
    expect(() => parseResultsRecord(invalid)).toThrow(/not a valid results record: version: .*; variants\.0\.variant_name/);
  });

  it('should refuse a count that is not a non-negative integer and an unknown status', () => {
    const record = fullResultsRecord(COLLECTING_AT);
    expect(() => parseResultsRecord({ ...record, data_quality: { ...record.data_quality, variant_switchers: -1 } })).toThrow(/data_quality\.variant_switchers/);
    expect(() => parseResultsRecord({ ...record, status: 'paused' })).toThrow(/status/);
    const rebuilding = rebuildingResultsRecord(COLLECTING_AT);
    expect(() => parseResultsRecord({ ...rebuilding, backfill: { ...rebuilding.backfill, events_read: 12.5 } })).toThrow(/backfill\.events_read/);
  });
});

describe('parseBreakdownRecord and parseSeriesRecord', () => {
  it('should read the records as written', () => {
    expect(parseBreakdownRecord(breakdownRecord())).toEqual(breakdownRecord());
    expect(parseSeriesRecord(seriesRecord())).toEqual(seriesRecord());
  });

  it('should refuse a series record without the figures of the bucket', () => {
    const cumulativeOnly = { ...seriesRecord(), variants: [{ variant_id: 'a', cumulative_persons: 12, metrics: [{ metric_id: 'click', cumulative_persons_converted: 3, cumulative_sum: 3 }] }] };
    expect(() => parseSeriesRecord(cumulativeOnly)).toThrow(/not a valid series record: variants\.0\.persons/);
  });
});

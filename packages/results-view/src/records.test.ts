import { RecordDecodeError } from './errors';
import { parseBreakdownRecord, parseResultsRecord, parseSeriesRecord } from './records';
import { contractRecord, legacyRecord, record, seriesRecord } from './testing/fixtures';

describe('parseResultsRecord', () => {
  it('should accept the record of the contract before it has statistics', () => {
    const parsed = parseResultsRecord(contractRecord());
    expect(parsed).toMatchObject({ experiment_id: 'exp-1', status: 'collecting', analysis: null, control_variant_id: 'control', data_quality: { variant_switchers: 0 } });
    expect(parsed.variants[0]).toMatchObject({ persons: 1000, allocation_weight: 1, metrics: [{ metric_id: 'click', persons_converted: 100 }] });
  });

  it('should accept a record written before assignments and statistics (schema version 1), with their fields null or empty', () => {
    const parsed = parseResultsRecord(legacyRecord());
    expect(parsed).toMatchObject({ experiment_id: 'exp-1', status: null, status_reason: null, analysis: null, control_variant_id: null, started_at: null, data_quality: { variant_switchers: null } });
    expect(parsed.variants[0]).toMatchObject({ persons: null, allocation_weight: null, metrics: [] });
  });

  it('should accept the analysis as a nested record or as a JSON string', () => {
    const nested = record('winner');
    const asString = parseResultsRecord({ ...legacyRecord(), analysis: JSON.stringify(nested.analysis) });
    expect(asString.analysis).toEqual(nested.analysis);
    expect(nested.analysis?.significant_result?.outcome).toBe('winner');
  });

  it('should name the wrong fields of an invalid record', () => {
    const invalid = { ...legacyRecord(), version: 'two', variants: [{ variant_id: 'a' }] };
    expect(() => parseResultsRecord(invalid)).toThrow(RecordDecodeError);
    expect(() => parseResultsRecord(invalid)).toThrow(/not a valid results record: version: .*; variants\.0\.variant_name/);
  });

  it('should parse a breakdown record', () => {
    const value = { experiment_id: 'e', dimension: 'os', value: 'iOS', version: 1, updated_at: 1, variants: [{ variant_id: 'a', persons: 3, metrics: [] }] };
    expect(parseBreakdownRecord(value)).toEqual(value);
  });
});

describe('parseSeriesRecord', () => {
  it('should parse a series record: what happened in one bucket', () => {
    const value = seriesRecord(3_600_000, [{ id: 'a', persons: 12, converted: 3 }]);
    expect(parseSeriesRecord(value)).toEqual(value);
  });

  it('should refuse a series record without the figures of the bucket', () => {
    const cumulativeOnly = { ...seriesRecord(0, []), variants: [{ variant_id: 'a', cumulative_persons: 12, metrics: [{ metric_id: 'click', cumulative_persons_converted: 3, cumulative_sum: 3 }] }] };
    expect(() => parseSeriesRecord(cumulativeOnly)).toThrow(/not a valid series record: variants\.0\.persons/);
  });
});

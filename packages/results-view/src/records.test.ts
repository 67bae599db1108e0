import { RecordDecodeError } from './errors';
import { parseBreakdownRecord, parseResultsRecord } from './records';
import { contractRecord, record } from './testing/fixtures';

describe('parseResultsRecord', () => {
  it('should accept the record the processor writes today, with the optional fields absent', () => {
    const parsed = parseResultsRecord(contractRecord());
    expect(parsed).toMatchObject({ experiment_id: 'exp-1', status: null, analysis: null, control_variant_id: null, started_at: null });
    expect(parsed.variants[0]?.metrics).toEqual([]);
    expect(parsed.variants[0]?.allocation_weight).toBeNull();
  });

  it('should accept the analysis as a nested record or as a JSON string', () => {
    const nested = record('winner');
    const asString = parseResultsRecord({ ...contractRecord(), analysis: JSON.stringify(nested.analysis) });
    expect(asString.analysis).toEqual(nested.analysis);
    expect(nested.analysis?.significant_result?.outcome).toBe('winner');
  });

  it('should name the wrong fields of an invalid record', () => {
    const invalid = { ...contractRecord(), version: 'two', variants: [{ variant_id: 'a' }] };
    expect(() => parseResultsRecord(invalid)).toThrow(RecordDecodeError);
    expect(() => parseResultsRecord(invalid)).toThrow(/not a valid results record: version: .*; variants\.0\.variant_name/);
  });

  it('should parse a breakdown record', () => {
    const value = { experiment_id: 'e', dimension: 'os', value: 'iOS', version: 1, updated_at: 1, variants: [{ variant_id: 'a', persons: 3, metrics: [] }] };
    expect(parseBreakdownRecord(value)).toEqual(value);
  });
});

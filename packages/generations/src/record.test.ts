import { GenerationsError } from './errors';
import { applicationIdOf, generationsTopicOf, parseGenerationsRecord, parseReprocessRequest } from './record';

const live = { generation: 1, application_id: 'abtest-processor', state_digest: 'd1', state_inputs: { 'metric|revenue': 'x' }, reason: null, started_at: 1, counted_from: null };

describe('generations records', () => {
  it('names generations and the topic after the configured application id', () => {
    expect([applicationIdOf('abtest-processor', 1), applicationIdOf('abtest-processor', 3)]).toEqual(['abtest-processor', 'abtest-processor-g3']);
    expect(generationsTopicOf('abtest-processor')).toBe('abtest-processor-generations');
  });

  it('reads a record with a rebuild under way', () => {
    const next = { ...live, generation: 2, application_id: 'abtest-processor-g2', reason: 'reprocess: fix', phase: 'building', start_offsets: { '0': '12' } };
    const record = { live, next, retired: [], handled_request: 'r1' };
    expect(parseGenerationsRecord(Buffer.from(JSON.stringify(record)))).toEqual(record);
  });

  it('refuses what it cannot read, naming the problem', () => {
    expect(() => parseGenerationsRecord(Buffer.from('{'))).toThrow(GenerationsError);
    expect(() => parseGenerationsRecord(Buffer.from('{'))).toThrow(/^the generations record is not JSON/);
    expect(() => parseGenerationsRecord(Buffer.from(JSON.stringify({ live, next: { ...live, phase: 'done' }, retired: [], handled_request: null })))).toThrow(/invalid generations record: next\.phase: /);
    expect(() => parseReprocessRequest(Buffer.from(JSON.stringify({ id: 'r1', reason: '', requested_at: 1 })))).toThrow(/invalid reprocess-request record: reason: /);
  });
});

import { record } from '../testing/fixtures';
import { decisionRecord } from './decision';
import { alertFor, facetsOf, isDecision, statusSnapshot, type StatusChange } from './status-change';
import { parseOutboxEntry } from './status-outbox';

const facets = (status: string, winner = '', guardrailFailures: Array<[string, string]> = []) => ({ status, winner, guardrail_failures: guardrailFailures.map((pair) => JSON.stringify(pair)).join('\n') });

describe('status changes', () => {
  it('should read the status and the winning variant of a record', () => {
    expect(facetsOf(record('none'))).toEqual(facets(''));
    expect(facetsOf(record('collecting'))).toEqual(facets('collecting'));
    expect(facetsOf(record('winner'))).toEqual(facets('significant', 'green'));
    expect(facetsOf(record('loser'))).toEqual(facets('significant'));
    expect(facetsOf(record('srm'))).toEqual(facets('invalid_srm'));
    expect(facetsOf(record('guardrail'))).toEqual(facets('guardrail_failed', '', [['green', 'checkout_errors']]));
  });

  it.each([
    ['no statistics yet', facets(''), facets(''), null, false],
    ['first seen collecting', facets(''), facets('collecting'), null, false],
    ['still collecting', facets('collecting'), facets('collecting'), null, false],
    ['winner on first significance', facets('collecting'), facets('significant', 'green'), 'winner_declared', true],
    ['loser found', facets('collecting'), facets('significant'), 'significant', true],
    ['winner after a loser', facets('significant'), facets('significant', 'green'), 'winner_declared', true],
    ['another winner', facets('significant', 'green'), facets('significant', 'blue'), 'winner_declared', true],
    ['SRM', facets('significant', 'green'), facets('invalid_srm'), 'srm_detected', true],
    ['SRM from the first record seen', facets(''), facets('invalid_srm'), 'srm_detected', true],
    ['SRM over', facets('invalid_srm'), facets('collecting'), null, true],
    ['guardrail failed', facets('collecting'), facets('guardrail_failed', '', [['B', 'errors']]), 'guardrail_failed', true],
    ['guardrail failed over a winner', facets('significant', 'B'), facets('guardrail_failed', '', [['B', 'errors']]), 'guardrail_failed', true],
    ['guardrail still failed', facets('guardrail_failed', '', [['B', 'errors']]), facets('guardrail_failed', '', [['B', 'errors']]), null, false],
    ['another guardrail failed', facets('guardrail_failed', '', [['B', 'errors']]), facets('guardrail_failed', '', [['B', 'errors'], ['B', 'latency']]), 'guardrail_failed', true],
    ['SRM over a failed guardrail', facets('guardrail_failed', '', [['B', 'errors']]), facets('invalid_srm', '', [['B', 'errors']]), 'srm_detected', true],
    ['failures listed under SRM', facets('invalid_srm'), facets('invalid_srm', '', [['B', 'errors']]), null, false],
  ] as const)('%s: alert %s', (_name, previous, current, alert, decision) => {
    expect(alertFor({ previous, current })).toBe(alert);
    expect(isDecision({ previous, current })).toBe(decision);
  });

  it('should build a decision record with the significant result, its lift and confidence sequence', () => {
    const snapshot = statusSnapshot(record('winner', { version: 7, updated_at: 123 }));
    const change: StatusChange = { id: '1-0', experimentId: 'exp-1', version: 7, previous: facets('collecting'), current: facets('significant', 'green'), snapshot };
    expect(decisionRecord(change)).toEqual({
      experiment_id: 'exp-1',
      experiment_name: 'Checkout button',
      status: 'significant',
      previous_status: 'collecting',
      status_reason: 'scenario winner',
      winning_variant_id: 'green',
      metric_id: 'click',
      relative_lift: { estimate: 0.2, lower: 0.05, upper: 0.35, interval: 'confidence_sequence' },
      sequential_p_value_adjusted: 0.03,
      guardrail_failures: [],
      decided_at: 123,
      results_version: 7,
    });
  });

  it('should build a decision record that lists the failed guardrails', () => {
    const snapshot = statusSnapshot(record('guardrail', { version: 8, updated_at: 456 }));
    const change: StatusChange = { id: '2-0', experimentId: 'exp-1', version: 8, previous: facets('collecting'), current: facetsOf(record('guardrail')), snapshot };
    expect(decisionRecord(change)).toMatchObject({
      status: 'guardrail_failed',
      previous_status: 'collecting',
      winning_variant_id: null,
      metric_id: null,
      relative_lift: null,
      guardrail_failures: [{ variant_id: 'green', metric_id: 'checkout_errors', relative_change: 0.12, guardrail_p_value_adjusted: 0.002, summary: 'checkout_errors +12% in green' }],
      results_version: 8,
    });
  });

  it('should read an outbox entry back and refuse a malformed one', () => {
    const snapshot = statusSnapshot(record('srm'));
    const fields = ['experiment_id', 'exp-1', 'version', '3', 'previous_status', 'collecting', 'status', 'invalid_srm', 'previous_winner', '', 'winner', '', 'snapshot', JSON.stringify(snapshot)];
    expect(parseOutboxEntry('5-0', fields)).toEqual({ id: '5-0', experimentId: 'exp-1', version: 3, previous: facets('collecting'), current: facets('invalid_srm'), snapshot });
    // Written before guardrails: no guardrail_failures facet, a snapshot without the guardrail fields and the sequential SRM p-value.
    const { guardrail_failures: _failures, guardrail_alpha: _alpha, ...olderSnapshot } = { ...snapshot, srm: snapshot.srm && { ...snapshot.srm, sequential_p_value: undefined } };
    const older = parseOutboxEntry('7-0', [...fields.slice(0, -1), JSON.stringify(olderSnapshot)]);
    expect(older).toMatchObject({ previous: facets('collecting'), current: facets('invalid_srm'), snapshot: { guardrail_failures: [], guardrail_alpha: null, srm: { sequential_p_value: null } } });
    expect(() => parseOutboxEntry('6-0', ['experiment_id', 'exp-1', 'snapshot', '{'])).toThrow(/outbox entry 6-0 is malformed/);
  });
});

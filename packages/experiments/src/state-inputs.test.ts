import { DefinitionsCatalog } from '@abtest/definitions';
import { describeChanges, stateDigestOf, stateInputsOf } from './state-inputs';

function catalog(metric: Record<string, unknown> = {}, experiment: Record<string, unknown> = {}): DefinitionsCatalog {
  const definitions = new DefinitionsCatalog();
  definitions.apply('metric|revenue', JSON.stringify({ id: 'revenue', type: 'value', event: 'Order Completed', value_path: 'properties.revenue', ...metric }));
  definitions.apply('experiment|checkout', JSON.stringify({ id: 'checkout', variants: [{ id: 'control' }, { id: 'green' }], metrics: ['revenue'], ...experiment }));
  return definitions;
}

describe('state inputs: what a rebuild is needed for', () => {
  const digest = (definitions: DefinitionsCatalog) => stateDigestOf(stateInputsOf(definitions));

  it('change with how a metric counts and with the metrics an experiment counts', () => {
    const base = digest(catalog());
    expect(digest(catalog({ filters: [{ path: 'properties.plan', op: 'eq', value: 'pro' }] }))).not.toBe(base);
    expect(digest(catalog({ cap: 100 }))).not.toBe(base);
    expect(digest(catalog({ cuped: { window: '7d' } }))).not.toBe(base);
    expect(digest(catalog({}, { metrics: [] }))).not.toBe(base);
  });

  it('do not change with names, decision rules, roles or variants: those are read at analysis time', () => {
    const base = digest(catalog());
    expect(digest(catalog({ name: 'Revenue (USD)', inverse: true }))).toBe(base);
    expect(digest(catalog({}, { name: 'Checkout', min_runtime_ms: 86_400_000, variants: [{ id: 'control' }, { id: 'blue' }] }))).toBe(base);
    expect(digest(catalog({}, { metrics: [], primary_metrics: ['revenue'] }))).toBe(base);
  });

  it('say what changed, for the rebuild reason', () => {
    const before = stateInputsOf(catalog());
    const after = catalog({ cap: 100 });
    after.apply('metric|signup', JSON.stringify({ id: 'signup', type: 'conversion', event: 'Signed Up', scope: 'global' }));
    expect(describeChanges(before, stateInputsOf(after))).toBe('metric revenue changed; metric signup added');
    expect(describeChanges(before, before)).toBe('no change');
    expect(describeChanges(before, stateInputsOf(new DefinitionsCatalog()))).toBe('experiment checkout removed; metric revenue removed');
  });
});

import { createHash } from 'node:crypto';
import type { DefinitionsCatalog, MetricDefinition } from '@abtest/definitions';

/**
 * What the topology's state depends on in the definitions, one digest per
 * definition (`metric|<id>`: how the metric counts; `experiment|<id>`: which
 * local metrics it counts). Names, roles, decision rules and variants are
 * read at analysis time, not kept in state: changing them needs no rebuild.
 * A change of these inputs does: the history must be counted again.
 */
export type StateInputs = Record<string, string>;

const digest = (value: unknown): string => createHash('sha1').update(JSON.stringify(value)).digest('base64').slice(0, 12);

const countingRule = (m: MetricDefinition): unknown => [m.type, m.event, m.filters, m.value_path, m.cap, m.scope, m.cuped];

export function stateInputsOf(definitions: DefinitionsCatalog): StateInputs {
  const inputs: StateInputs = {};
  for (const metric of definitions.metrics()) inputs[`metric|${metric.id}`] = digest(countingRule(metric));
  for (const { id } of definitions.experiments()) {
    const local = definitions.metricsFor(id).filter((m) => m.scope === 'local').map((m) => m.id);
    if (local.length > 0) inputs[`experiment|${id}`] = digest(local);
  }
  return inputs;
}

/** One digest of all inputs: equal digests, equal state. */
export const stateDigestOf = (inputs: StateInputs): string => digest(Object.entries(inputs).sort(([a], [b]) => (a < b ? -1 : 1)));

/** What changed between two sets of inputs, for people: `metric big-basket added; experiment checkout changed`. */
export function describeChanges(before: StateInputs, after: StateInputs): string {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changes = keys.flatMap((key) => {
    const what = key.replace('|', ' ');
    if (!(key in before)) return [`${what} added`];
    if (!(key in after)) return [`${what} removed`];
    return before[key] === after[key] ? [] : [`${what} changed`];
  });
  return changes.length > 0 ? changes.join('; ') : 'no change';
}

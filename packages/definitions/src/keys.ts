import { DefinitionError } from './errors';
import { idSchema, KEY_SEPARATOR } from './fields';
import { formatPath } from './issues';

export const DEFINITION_KINDS = ['experiment', 'metric'] as const;
export type DefinitionKind = (typeof DEFINITION_KINDS)[number];

export interface DefinitionKey {
  kind: DefinitionKind;
  id: string;
}

function isDefinitionKind(value: string): value is DefinitionKind {
  return (DEFINITION_KINDS as readonly string[]).includes(value);
}

/** The record key of a definition: `experiment|checkout`, `metric|revenue`. Throws a DefinitionError for an invalid id. */
export function definitionKey(kind: DefinitionKind, id: string): string {
  const parsed = idSchema.safeParse(id);
  if (!parsed.success) throw new DefinitionError(`invalid ${kind} id`, parsed.error.issues.map((issue) => ({ path: formatPath(['id', ...issue.path]), message: issue.message })));
  return `${kind}${KEY_SEPARATOR}${id}`;
}

/** The kind and id of a record key; throws a DefinitionError naming what is wrong with it. */
export function parseDefinitionKey(key: string): DefinitionKey {
  const separator = key.indexOf(KEY_SEPARATOR);
  const kind = separator === -1 ? '' : key.slice(0, separator);
  if (!isDefinitionKind(kind)) {
    throw new DefinitionError(`invalid record key ${JSON.stringify(key)}`, [{ path: 'key', message: `must be experiment${KEY_SEPARATOR}<id> or metric${KEY_SEPARATOR}<id>` }]);
  }
  const id = key.slice(separator + 1);
  const parsed = idSchema.safeParse(id);
  if (!parsed.success) {
    throw new DefinitionError(`invalid record key ${JSON.stringify(key)}`, parsed.error.issues.map((issue) => ({ path: 'key.id', message: issue.message })));
  }
  return { kind, id };
}

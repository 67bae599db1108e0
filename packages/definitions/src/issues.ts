import type { z } from 'zod';
import type { DefinitionIssue } from './errors';
import { idSchema } from './fields';

/** The path of the definition itself, for problems that concern it as a whole. */
export const ROOT_PATH = '(root)';

/** `['variants', 1, 'weight']` → `variants[1].weight`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else path += path === '' ? String(segment) : `.${String(segment)}`;
  }
  return path === '' ? ROOT_PATH : path;
}

/** zod's issues as definition issues; an unknown-fields issue becomes one issue per field, at the field's path. */
export function toDefinitionIssues(error: z.ZodError): DefinitionIssue[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: issue.message }));
    return [{ path: formatPath(issue.path), message: issue.message }];
  });
}

/** `invalid experiment definition "checkout"`: names the definition when its id is usable, so a log line says which one failed. */
export function describeSubject(kind: 'experiment' | 'metric', input: unknown): string {
  const subject = `invalid ${kind} definition`;
  if (typeof input !== 'object' || input === null || !('id' in input)) return subject;
  return typeof input.id === 'string' && idSchema.safeParse(input.id).success ? `${subject} "${input.id}"` : subject;
}

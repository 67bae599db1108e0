/** Where in a request a problem is, as a JSONPath: `$.batch[3].properties.price`. */
export interface ValidationIssue {
  path: string;
  reason: string;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Appends segments (property names, array indices) to a JSONPath. */
export function jsonPath(base: string, segments: readonly PropertyKey[]): string {
  let path = base;
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (typeof segment === 'string' && IDENTIFIER.test(segment)) path += `.${segment}`;
    else path += `[${JSON.stringify(String(segment))}]`;
  }
  return path;
}

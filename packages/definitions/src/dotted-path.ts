import { isJsonObject } from '@abtest/segment';

/**
 * The value at a dotted path (`properties.items.0.price`) of a parsed JSON
 * value, or undefined when any step is missing. Only own properties are
 * read, so `constructor` or `__proto__` never reach the prototype; a numeric
 * segment indexes an array.
 */
export function readDottedPath(value: unknown, path: string): unknown {
  let current = value;
  for (const segment of path.split('.')) {
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return undefined;
      current = current[Number(segment)];
    } else if (isJsonObject(current) && Object.hasOwn(current, segment)) {
      current = current[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

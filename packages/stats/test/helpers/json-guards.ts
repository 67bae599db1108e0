/**
 * Small guards that turn parsed JSON (`unknown`) into typed values, failing
 * with the path of the first field that has the wrong shape.
 */
export type Json = unknown;

export class FixtureShapeError extends Error {
  override readonly name = 'FixtureShapeError' as const;
  constructor(path: string, expected: string) {
    super(`fixture field ${path}: expected ${expected}`);
  }
}

export function asRecord(value: Json, path: string): Record<string, Json> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FixtureShapeError(path, 'an object');
  return value as Record<string, Json>;
}

export function asArray(value: Json, path: string): Json[] {
  if (!Array.isArray(value)) throw new FixtureShapeError(path, 'an array');
  return value;
}

export function asNumber(value: Json, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new FixtureShapeError(path, 'a finite number');
  return value;
}

export function asNumberOrNull(value: Json, path: string): number | null {
  return value === null ? null : asNumber(value, path);
}

export function asString(value: Json, path: string): string {
  if (typeof value !== 'string') throw new FixtureShapeError(path, 'a string');
  return value;
}

export function asBoolean(value: Json, path: string): boolean {
  if (typeof value !== 'boolean') throw new FixtureShapeError(path, 'a boolean');
  return value;
}

export function asNumberArray(value: Json, path: string): number[] {
  return asArray(value, path).map((x, i) => asNumber(x, `${path}[${i}]`));
}

export function asNumberOrNullArray(value: Json, path: string): (number | null)[] {
  return asArray(value, path).map((x, i) => asNumberOrNull(x, `${path}[${i}]`));
}

/** Maps each element of the array at `path` through `parse`. */
/** Every fixture list the tests loop over: an empty one would make its loop pass without checking anything, so it is refused. */
export function mapArray<T>(value: Json, path: string, parse: (item: Record<string, Json>, path: string) => T): T[] {
  const items = asArray(value, path);
  if (items.length === 0) throw new FixtureShapeError(path, 'a non-empty array (a loop over no fixture tests nothing)');
  return items.map((item, i) => parse(asRecord(item, `${path}[${i}]`), `${path}[${i}]`));
}

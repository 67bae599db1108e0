import { jsonPath } from './json-path';

/**
 * How deep objects and arrays may nest in one event. V8's JSON.parse takes
 * any depth, but JSON.stringify and every recursive walk after it overflow
 * the stack at a few thousand levels (a 12 KB body of nested arrays is
 * enough); no analytics event needs more than a handful.
 */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/**
 * The deepest nesting of objects and arrays in a JSON text (0 for a scalar),
 * read from its bytes in one pass without recursion. Brackets inside strings
 * do not count. Meant for text JSON.parse accepted.
 */
export function nestingDepth(json: Buffer): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < json.length; index += 1) {
    const byte = json[index];
    if (inString) {
      if (byte === BACKSLASH) index += 1;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      depth += 1;
      if (depth > deepest) deepest = depth;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) depth -= 1;
  }
  return deepest;
}

interface Frame {
  value: unknown;
  depth: number;
  path: string;
}

/**
 * The JSONPath of the first object or array nested deeper than `maxDepth`
 * in a parsed value (the value itself is depth 1), found without recursion;
 * undefined when the value is within the limit.
 */
export function tooDeepPath(value: unknown, maxDepth: number, path = '$'): string | undefined {
  const stack: Frame[] = [{ value, depth: 1, path }];
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    if (typeof frame.value !== 'object' || frame.value === null) continue;
    if (frame.depth > maxDepth) return frame.path;
    const entries: Array<[string | number, unknown]> = Array.isArray(frame.value) ? frame.value.map((item, index) => [index, item]) : Object.entries(frame.value);
    // Reversed, so the first child is looked at first and the path named is the first in document order.
    for (let index = entries.length - 1; index >= 0; index -= 1) {
      const [segment, child] = entries[index] as [string | number, unknown];
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: frame.depth + 1, path: jsonPath(frame.path, [segment]) });
    }
  }
  return undefined;
}

type Token = { value: unknown } | { text: string };

/**
 * JSON.stringify for a parsed JSON value of any depth, without recursion:
 * what keeps a dead letter of a too-deep event from overflowing the stack.
 * (Parsed JSON holds only plain objects, arrays, strings, finite numbers,
 * booleans and null.)
 */
export function stringifyDeep(value: unknown): string {
  const parts: string[] = [];
  const stack: Token[] = [{ value }];
  for (let token = stack.pop(); token !== undefined; token = stack.pop()) {
    if ('text' in token) {
      parts.push(token.text);
      continue;
    }
    const current = token.value;
    if (typeof current !== 'object' || current === null) {
      parts.push(JSON.stringify(current) ?? 'null');
    } else if (Array.isArray(current)) {
      stack.push({ text: ']' });
      for (let index = current.length - 1; index >= 0; index -= 1) {
        stack.push({ value: current[index] });
        if (index > 0) stack.push({ text: ',' });
      }
      parts.push('[');
    } else {
      const entries = Object.entries(current).filter(([, child]) => child !== undefined);
      stack.push({ text: '}' });
      for (let index = entries.length - 1; index >= 0; index -= 1) {
        const [key, child] = entries[index] as [string, unknown];
        stack.push({ value: child });
        stack.push({ text: `${index > 0 ? ',' : ''}${JSON.stringify(key)}:` });
      }
      parts.push('{');
    }
  }
  return parts.join('');
}

import { isDeepStrictEqual } from 'node:util';
import { waitFor } from '@abtest/local-stack';

/**
 * Waits until `actual()` deep-equals `expected`; on timeout the assertion
 * shows the difference. An empty list or object as `expected` is refused:
 * an output that is empty too would pass without anything being checked.
 */
export async function waitForEqual(description: string, actual: () => unknown, expected: unknown, timeoutMs: number): Promise<void> {
  const empty = Array.isArray(expected) ? expected.length === 0 : typeof expected === 'object' && expected !== null && Object.keys(expected).length === 0;
  if (empty) throw new Error(`waitForEqual(${description}): the expected value is empty, so the wait would check nothing: the reference or the generator is wrong`);
  try {
    await waitFor(() => isDeepStrictEqual(actual(), expected), { description, timeoutMs, intervalMs: 100 });
  } catch (error) {
    expect(actual()).toEqual(expected);
    throw error;
  }
}

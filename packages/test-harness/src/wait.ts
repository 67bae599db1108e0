import { isDeepStrictEqual } from 'node:util';
import { waitFor } from '@abtest/local-stack';

/** Waits until `actual()` deep-equals `expected`; on timeout the assertion shows the difference. */
export async function waitForEqual(description: string, actual: () => unknown, expected: unknown, timeoutMs: number): Promise<void> {
  try {
    await waitFor(() => isDeepStrictEqual(actual(), expected), { description, timeoutMs, intervalMs: 100 });
  } catch (error) {
    expect(actual()).toEqual(expected);
    throw error;
  }
}

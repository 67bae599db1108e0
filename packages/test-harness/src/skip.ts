/**
 * `it` when `condition` holds; otherwise a test that is skipped with the
 * reason in its name, so every report says why it did not run (a bare
 * it.skip says nothing).
 */
export function itWhen(condition: boolean, reason: string): (name: string, test: jest.ProvidesCallback, timeout?: number) => void {
  if (condition) return (name, test, timeout) => it(name, test, timeout);
  return (name, test, timeout) => it.skip(`${name} [skipped: ${reason}]`, test, timeout);
}

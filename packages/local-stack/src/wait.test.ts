import { WaitTimeoutError } from './errors';
import { waitFor } from './wait';

describe('waitFor', () => {
  it('should resolve with the first value a check returns', async () => {
    let calls = 0;
    await expect(waitFor(() => (++calls >= 3 ? 'ready' : undefined), { description: 'three calls', timeoutMs: 1_000, intervalMs: 1 })).resolves.toBe('ready');
    expect(calls).toBe(3);
  });

  it('should name what was awaited and the last failure when the deadline passes', async () => {
    const wait = waitFor(
      () => {
        throw new Error('connection refused');
      },
      { description: 'the broker', timeoutMs: 30, intervalMs: 5 },
    );
    await expect(wait).rejects.toThrow(WaitTimeoutError);
    await expect(wait).rejects.toThrow(/waiting for the broker; last error: connection refused/);
  });

  it('should stop at once when failFast reports an error', async () => {
    let checks = 0;
    let polls = 0;
    const wait = waitFor(() => (checks++, false), { description: 'a dead process', timeoutMs: 10_000, intervalMs: 1, failFast: () => (++polls === 3 ? new Error('the process exited') : undefined) });
    await expect(wait).rejects.toThrow('the process exited');
    expect([polls, checks]).toEqual([3, 2]);
  });
});

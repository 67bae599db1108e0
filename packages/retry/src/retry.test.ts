import { backoffDelay, retriableFlag, retry, type RetryPolicy } from './retry';

class FlaggedError extends Error {
  constructor(
    readonly retriable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(retriable ? 'try again' : 'give up');
  }
}

/** An operation that fails with the given errors in turn, then returns its try number. */
function failing(...errors: unknown[]) {
  const tries: number[] = [];
  const operation = async (attempt: number) => {
    tries.push(Date.now());
    const error = errors[attempt - 1];
    if (error !== undefined) throw error;
    return attempt;
  };
  return { operation, tries };
}

const noJitter: Pick<RetryPolicy, 'jitter'> = { jitter: 0 };

describe('retry', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('should retry retriable errors with exponential backoff and return the first success', async () => {
    const { operation, tries } = failing(new FlaggedError(true), new FlaggedError(true), new FlaggedError(true));
    const result = retry(operation, { initialDelayMs: 100, ...noJitter });
    await jest.advanceTimersByTimeAsync(10_000);
    await expect(result).resolves.toBe(4);
    expect(tries).toEqual([0, 100, 300, 700]);
  });

  it('should throw a non-retriable error at once, and an unflagged one unless told to retry it', async () => {
    const fatal = failing(new FlaggedError(false));
    await expect(retry(fatal.operation, { initialDelayMs: 100 })).rejects.toThrow('give up');
    expect(fatal.tries).toHaveLength(1);

    const unknown = failing(new Error('connection refused'));
    await expect(retry(unknown.operation, { initialDelayMs: 100 })).rejects.toThrow('connection refused');
    const optedIn = failing(new Error('connection refused'));
    const result = retry(optedIn.operation, { initialDelayMs: 100, retryUnknown: true });
    await jest.advanceTimersByTimeAsync(1_000);
    await expect(result).resolves.toBe(2);
  });

  it('should retry only what retryIf accepts, and never a non-retriable error', async () => {
    const narrowed = failing(Object.assign(new FlaggedError(true), { type: 'NOT_LEADER' }), Object.assign(new FlaggedError(true), { type: 'DENIED' }));
    const result = retry(narrowed.operation, { initialDelayMs: 10, retryIf: (error) => (error as { type?: string }).type === 'NOT_LEADER' });
    const settled = expect(result).rejects.toMatchObject({ type: 'DENIED' });
    await jest.advanceTimersByTimeAsync(100);
    await settled;
    expect(narrowed.tries).toHaveLength(2);
    const fatal = failing(new FlaggedError(false));
    await expect(retry(fatal.operation, { initialDelayMs: 10, retryIf: () => true })).rejects.toThrow('give up');
  });

  it('should stop after the attempts allowed and throw the last error', async () => {
    const { operation, tries } = failing(new FlaggedError(true), new FlaggedError(true), new FlaggedError(true));
    const result = retry(operation, { initialDelayMs: 10, attempts: 2, ...noJitter });
    const settled = expect(result).rejects.toThrow('try again');
    await jest.advanceTimersByTimeAsync(1_000);
    await settled;
    expect(tries).toHaveLength(2);
  });

  it('should try a last time at the deadline and then throw', async () => {
    const errors = Array.from({ length: 100 }, () => new FlaggedError(true));
    const { operation, tries } = failing(...errors);
    const result = retry(operation, { initialDelayMs: 400, factor: 1, timeoutMs: 1_000, ...noJitter });
    const settled = expect(result).rejects.toThrow('try again');
    await jest.advanceTimersByTimeAsync(5_000);
    await settled;
    expect(tries).toEqual([0, 400, 800, 1_000]);
  });

  it("should wait at least the error's retryAfterMs, cap delays at maxDelayMs, and stop when aborted", async () => {
    const hinted = failing(new FlaggedError(true, 5_000));
    const first = retry(hinted.operation, { initialDelayMs: 10, ...noJitter });
    await jest.advanceTimersByTimeAsync(5_000);
    await expect(first).resolves.toBe(2);
    expect(hinted.tries).toEqual([0, 5_000]);

    expect(backoffDelay(10, { initialDelayMs: 100, maxDelayMs: 1_000, ...noJitter })).toBe(1_000);

    const controller = new AbortController();
    const endless = failing(...Array.from({ length: 100 }, () => new FlaggedError(true)));
    const aborted = retry(endless.operation, { initialDelayMs: 100, signal: controller.signal });
    const settled = expect(aborted).rejects.toThrow('try again');
    await jest.advanceTimersByTimeAsync(150);
    controller.abort();
    await settled;
    expect(endless.tries.length).toBeLessThanOrEqual(2);
  });

  it('should spread delays by the jitter, within ±jitter of the base', () => {
    const policy = { initialDelayMs: 1_000, factor: 1, jitter: 0.2 };
    expect(backoffDelay(1, { ...policy, random: () => 0 })).toBe(800);
    expect(backoffDelay(1, { ...policy, random: () => 0.999999 })).toBe(1_200);
  });

  it('should read the retriable flag of any error', () => {
    expect([retriableFlag(new FlaggedError(true)), retriableFlag(new FlaggedError(false)), retriableFlag(new Error('x')), retriableFlag('text')]).toEqual([true, false, undefined, undefined]);
  });
});

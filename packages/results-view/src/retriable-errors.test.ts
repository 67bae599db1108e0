import { RecordDecodeError } from '@abtest/results-contract';
import { ResultsViewError, SlackDeliveryError } from './errors';
import { retry } from '@abtest/retry';

const fast = { initialDelayMs: 1, maxDelayMs: 5 };

describe('retry (@abtest/retry) > the errors of results-view and the contract', () => {
  it('should retry retriable errors until the operation succeeds', async () => {
    const delays: number[] = [];
    const result = await retry(
      async (attempt) => {
        if (attempt < 3) throw new ResultsViewError('flaky', { retriable: true });
        return attempt;
      },
      { ...fast, attempts: 5, onRetry: (_error, _attempt, delay) => delays.push(delay) },
    );
    expect(result).toBe(3);
    expect(delays).toHaveLength(2);
  });

  it("should retry the contract's retriable errors (a registry that did not answer) and not its others (an invalid record)", async () => {
    const unreachable = jest.fn(async (attempt: number) => {
      if (attempt < 2) throw new RecordDecodeError('registry down', { retriable: true });
      return 'decoded';
    });
    expect(await retry(unreachable, { ...fast, attempts: 5 })).toBe('decoded');
    const invalid = jest.fn(async () => Promise.reject(new RecordDecodeError('not a valid results record')));
    await expect(retry(invalid, { ...fast, attempts: 5 })).rejects.toThrow('not a valid results record');
    expect(invalid).toHaveBeenCalledTimes(1);
  });

  it('should throw a non-retriable error at once', async () => {
    const operation = jest.fn(async () => {
      throw new ResultsViewError('bad request', { retriable: false });
    });
    await expect(retry(operation, { ...fast, attempts: 5 })).rejects.toThrow('bad request');
    expect(operation).toHaveBeenCalledTimes(1);
  });

  it('should give up after the last attempt with its error', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new ResultsViewError(`failure ${calls}`, { retriable: true });
        },
        { ...fast, attempts: 3 },
      ),
    ).rejects.toThrow('failure 3');
  });

  it('should wait at least the Retry-After hint', async () => {
    const delays: number[] = [];
    await retry(
      async (attempt) => {
        if (attempt === 1) throw new SlackDeliveryError('rate limited', 429, { retriable: true, retryAfterMs: 30 });
      },
      { ...fast, attempts: 2, onRetry: (_e, _a, delay) => delays.push(delay) },
    );
    expect(delays[0]).toBeGreaterThanOrEqual(30);
  });
});

import { CHECK_TIMEOUT_MS, Readiness } from './readiness';

describe('Readiness', () => {
  it('should be ready when every check passes', async () => {
    const readiness = new Readiness().register('a', () => true).register('b', async () => ({ ok: true, detail: 'fine' }));
    expect(await readiness.report()).toEqual({ ready: true, shuttingDown: false, checks: { a: { ok: true }, b: { ok: true, detail: 'fine' } } });
  });

  it('should name a failing or throwing check', async () => {
    const readiness = new Readiness()
      .register('down', () => false)
      .register('broken', () => {
        throw new Error('no connection');
      });
    expect(await readiness.report()).toEqual({ ready: false, shuttingDown: false, checks: { down: { ok: false }, broken: { ok: false, detail: 'no connection' } } });
  });

  it('should fail from the moment a shutdown begins', async () => {
    const readiness = new Readiness().register('a', () => true);
    readiness.markShuttingDown();
    expect(await readiness.report()).toMatchObject({ ready: false, shuttingDown: true });
  });

  it(`should fail a check that does not answer within ${CHECK_TIMEOUT_MS} ms`, async () => {
    jest.useFakeTimers();
    try {
      const readiness = new Readiness().register('hangs', () => new Promise<boolean>(() => undefined));
      const report = readiness.report();
      await jest.advanceTimersByTimeAsync(CHECK_TIMEOUT_MS);
      expect(await report).toEqual({ ready: false, shuttingDown: false, checks: { hangs: { ok: false, detail: `no answer within ${CHECK_TIMEOUT_MS} ms` } } });
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('Readiness > a hanging check', () => {
  it('should not start it again while it still runs', async () => {
    jest.useFakeTimers();
    try {
      let calls = 0;
      let answer: (ok: boolean) => void = () => undefined;
      const readiness = new Readiness().register('slow', () => {
        calls += 1;
        return new Promise<boolean>((resolve) => (answer = resolve));
      });
      const first = readiness.report();
      await jest.advanceTimersByTimeAsync(CHECK_TIMEOUT_MS);
      expect((await first).ready).toBe(false);
      const second = readiness.report();
      answer(true);
      expect(await second).toMatchObject({ ready: true });
      expect(calls).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });
});

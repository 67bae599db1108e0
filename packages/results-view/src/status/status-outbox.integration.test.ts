import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { waitFor } from '@abtest/local-stack';
import { ResultsViewError } from '../errors';
import { CHECKOUT_ERRORS_FAILURE, record } from '../testing/fixtures';
import { statusKeys } from './keys';
import { OutboxConsumer } from './outbox-consumer';
import type { StatusChange } from './status-change';
import { StatusOutbox } from './status-outbox';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('StatusOutbox > Redis', () => {
  let redis: Redis;
  const connections: Redis[] = [];
  const consumers: OutboxConsumer[] = [];

  beforeAll(() => {
    const url = process.env.REDIS_URL;
    if (!url) throw new Error('REDIS_URL is not set: run integration tests through jest (its global setup starts the stack)');
    redis = new Redis(url);
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    for (const connection of [redis, ...connections]) connection.disconnect();
  });

  function consumer(keysPrefix: string, name: string, handle: (change: StatusChange) => Promise<void>, claimIdleMs = 30_000): OutboxConsumer {
    const connection = redis.duplicate();
    connections.push(connection);
    const created = new OutboxConsumer({ redis: connection, stream: statusKeys(keysPrefix).outbox, group: 'test', consumer: name, startAt: '0', handle, logger: silent, blockMs: 100, claimIdleMs });
    consumers.push(created);
    return created;
  }

  it('should append each change once, however often and by how many instances a record is read', async () => {
    const prefix = `outbox-${randomUUID().slice(0, 8)}:`;
    const keys = statusKeys(prefix);
    const [a, b] = [new StatusOutbox(redis, keys), new StatusOutbox(redis, keys)];
    expect(await a.advance(record('none', { version: 1 }))).toBe('unchanged');
    expect(await a.advance(record('collecting', { version: 2 }))).toBe('changed');
    const outcomes = await Promise.all([a.advance(record('winner', { version: 3 })), b.advance(record('winner', { version: 3 }))]);
    expect(outcomes.sort()).toEqual(['changed', 'not_newer']);
    expect(await b.advance(record('winner', { version: 4 }))).toBe('unchanged');
    expect(await a.advance(record('collecting', { version: 2 }))).toBe('not_newer');
    const entries = await redis.xrange(keys.outbox, '-', '+');
    expect(entries.map(([, fields]) => fields.slice(4, 16))).toEqual([
      ['previous_status', '', 'status', 'collecting', 'previous_winner', '', 'winner', '', 'previous_guardrail_failures', '', 'guardrail_failures', ''],
      ['previous_status', 'collecting', 'status', 'significant', 'previous_winner', '', 'winner', 'green', 'previous_guardrail_failures', '', 'guardrail_failures', ''],
    ]);
  });

  it('should remember the failed guardrails: a new failure is a change, the same ones with new numbers are not', async () => {
    const keys = statusKeys(`outbox-${randomUUID().slice(0, 8)}:`);
    const outbox = new StatusOutbox(redis, keys);
    const failed = (version: number, failures: Array<{ metric_id: string; relative_change: number }>) => {
      const r = record('guardrail', { version });
      return { ...r, analysis: r.analysis && { ...r.analysis, guardrail_failures: failures.map((f) => ({ ...CHECKOUT_ERRORS_FAILURE, ...f })) } };
    };
    expect(await outbox.advance(record('winner', { version: 1 }))).toBe('changed');
    expect(await outbox.advance(failed(2, [{ metric_id: 'checkout_errors', relative_change: 0.12 }]))).toBe('changed');
    expect(await outbox.advance(failed(3, [{ metric_id: 'checkout_errors', relative_change: 0.15 }]))).toBe('unchanged');
    expect(await outbox.advance(failed(4, [{ metric_id: 'latency_ms', relative_change: 0.08 }, { metric_id: 'checkout_errors', relative_change: 0.15 }]))).toBe('changed');
    const entries = await redis.xrange(keys.outbox, '-', '+');
    expect(entries.map(([, fields]) => fields.slice(4, 16).filter((_, i) => i % 2 === 1))).toEqual([
      ['', 'significant', '', 'green', '', ''],
      ['significant', 'guardrail_failed', 'green', '', '', '["green","checkout_errors"]'],
      ['guardrail_failed', 'guardrail_failed', '', '', '["green","checkout_errors"]', '["green","checkout_errors"]\n["green","latency_ms"]'],
    ]);
  });

  it('should deliver each change to one consumer of a group and hand a failed one to another after the idle time', async () => {
    const prefix = `outbox-${randomUUID().slice(0, 8)}:`;
    const outbox = new StatusOutbox(redis, statusKeys(prefix));
    const delivered: string[] = [];
    let failures = 1;
    const handle = async (change: StatusChange) => {
      if (change.current.status === 'invalid_srm' && failures-- > 0) throw new ResultsViewError('destination down', { retriable: true });
      delivered.push(`${change.experimentId}:${change.current.status}`);
    };
    await consumer(prefix, 'one', handle, 300).start();
    await consumer(prefix, 'two', handle, 300).start();
    await outbox.advance(record('collecting', { experiment_id: 'x', version: 1 }));
    await outbox.advance(record('srm', { experiment_id: 'x', version: 2 }));
    await outbox.advance(record('winner', { experiment_id: 'y', version: 1 }));
    await waitFor(() => delivered.length === 3, { description: 'three deliveries', timeoutMs: 10_000 });
    expect(delivered.sort()).toEqual(['x:collecting', 'x:invalid_srm', 'y:significant']);
    const pending = (await redis.xpending(statusKeys(prefix).outbox, 'test')) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  });
});

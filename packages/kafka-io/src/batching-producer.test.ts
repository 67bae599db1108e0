import type { Kafka, ProducerBatch } from 'kafkajs';
import { KafkaJSConnectionError } from 'kafkajs';
import { Registry } from 'prom-client';
import { BatchingProducer, type ProducerRecord } from './batching-producer';
import { KafkaUnavailableError, ProduceTimeoutError, ProducerClosedError, ProducerOverloadedError } from './errors';

/**
 * kafkajs' producer reduced to what BatchingProducer calls, answering each
 * sendBatch when the test says so. Real Kafka is in the integration test.
 */
class ScriptedProducer {
  readonly events = { CONNECT: 'producer.connect', DISCONNECT: 'producer.disconnect' };
  readonly batches: ProducerBatch[] = [];
  private readonly answers: { resolve: () => void; reject: (error: Error) => void }[] = [];
  on(): void {}
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  sendBatch(batch: ProducerBatch): Promise<[]> {
    this.batches.push(batch);
    return new Promise((resolve, reject) => this.answers.push({ resolve: () => resolve([]), reject }));
  }
  ack(): void {
    this.answers.shift()?.resolve();
  }
  fail(error: Error): void {
    this.answers.shift()?.reject(error);
  }
  recordsIn(batch: number): string[] {
    return (this.batches[batch]?.topicMessages ?? []).flatMap((topic) => topic.messages.map((message) => String(message.value)));
  }
}

const record = (value: string, topic = 't'): ProducerRecord => ({ topic, key: value, value });

describe('BatchingProducer', () => {
  let scripted: ScriptedProducer;
  let settled: Map<string, string>;

  beforeEach(() => {
    jest.useFakeTimers();
    scripted = new ScriptedProducer();
    settled = new Map();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  function producer(options: ConstructorParameters<typeof BatchingProducer>[1] = {}): BatchingProducer {
    return new BatchingProducer({ producer: () => scripted } as unknown as Kafka, { lingerMs: 5, sendTimeoutMs: 1_000, registry: new Registry(), ...options });
  }

  /** Starts a send and notes how it ended. */
  function send(batching: BatchingProducer, name: string, records: ProducerRecord[]): void {
    batching.send(records).then(
      () => settled.set(name, 'acked'),
      (error: Error) => settled.set(name, error.name),
    );
  }

  it('should coalesce concurrent sends into one acks=all sendBatch after the linger, resolving each only after the ack', async () => {
    const batching = producer();
    send(batching, 'a', [record('a1'), record('a2')]);
    send(batching, 'b', [record('b1', 'other')]);
    await jest.advanceTimersByTimeAsync(4);
    expect(scripted.batches).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(scripted.batches).toHaveLength(1);
    expect(scripted.batches[0]).toMatchObject({ acks: -1 });
    expect(scripted.batches[0]?.topicMessages?.map((topic) => topic.topic)).toEqual(['t', 'other']);
    expect(scripted.recordsIn(0)).toEqual(['a1', 'a2', 'b1']);
    expect(settled.size).toBe(0);
    scripted.ack();
    await jest.advanceTimersByTimeAsync(0);
    expect(Object.fromEntries(settled)).toEqual({ a: 'acked', b: 'acked' });
  });

  it('should report how long the oldest unacknowledged record waited, past its caller timing out, until Kafka answers', async () => {
    const batching = producer({ sendTimeoutMs: 1_000 });
    expect(batching.pendingForMs()).toBe(0);
    send(batching, 'a', [record('a')]);
    await jest.advanceTimersByTimeAsync(600);
    send(batching, 'b', [record('b')]);
    expect(batching.pendingForMs()).toBe(600);
    await jest.advanceTimersByTimeAsync(1_400);
    expect(Object.fromEntries(settled)).toEqual({ a: 'ProduceTimeoutError', b: 'ProduceTimeoutError' });
    expect(batching.pendingForMs()).toBe(2_000);
    scripted.ack();
    await jest.advanceTimersByTimeAsync(0);
    expect(batching.pendingForMs()).toBe(0);
  });

  it('should gather sends made while a batch is in flight into the next batch, sent as soon as the first is acknowledged', async () => {
    const batching = producer();
    send(batching, 'a', [record('a')]);
    await jest.advanceTimersByTimeAsync(5);
    send(batching, 'b', [record('b')]);
    send(batching, 'c', [record('c')]);
    await jest.advanceTimersByTimeAsync(50);
    expect(scripted.batches).toHaveLength(1);
    scripted.ack();
    await jest.advanceTimersByTimeAsync(0);
    expect(scripted.batches).toHaveLength(2);
    expect(scripted.recordsIn(1)).toEqual(['b', 'c']);
    expect(settled.get('b')).toBeUndefined();
    scripted.ack();
    await jest.advanceTimersByTimeAsync(0);
    expect(Object.fromEntries(settled)).toEqual({ a: 'acked', b: 'acked', c: 'acked' });
  });

  it('should send at once when a batch is full, split a large send over consecutive batches (each lingering), and resolve it after the last', async () => {
    const batching = producer({ maxBatchRecords: 3 });
    send(batching, 'a', [record('a1'), record('a2')]);
    send(batching, 'b', [record('b1'), record('b2')]);
    await jest.advanceTimersByTimeAsync(0);
    expect(scripted.recordsIn(0)).toEqual(['a1', 'a2', 'b1']);
    scripted.ack();
    await jest.advanceTimersByTimeAsync(0);
    expect(Object.fromEntries(settled)).toEqual({ a: 'acked' });
    expect(scripted.batches).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(5);
    expect(scripted.recordsIn(1)).toEqual(['b2']);
    scripted.ack();
    await jest.advanceTimersByTimeAsync(0);
    expect(Object.fromEntries(settled)).toEqual({ a: 'acked', b: 'acked' });
  });

  it('should keep each batch under maxBatchBytes and fail a split send when a later part fails', async () => {
    const batching = producer({ maxBatchBytes: 25 });
    const big = Array.from({ length: 5 }, (_, i) => ({ topic: 't', key: null, value: `value-${i}-x` }));
    send(batching, 'big', big);
    await jest.advanceTimersByTimeAsync(5);
    expect(scripted.recordsIn(0)).toEqual(['value-0-x', 'value-1-x']);
    scripted.ack();
    await jest.advanceTimersByTimeAsync(5);
    expect(scripted.recordsIn(1)).toEqual(['value-2-x', 'value-3-x']);
    scripted.fail(new KafkaJSConnectionError('gone'));
    await jest.advanceTimersByTimeAsync(0);
    expect(settled.get('big')).toBe('KafkaUnavailableError');
    expect(batching.queued).toBe(0);
    expect(scripted.batches).toHaveLength(2);
  });

  it('should reject every caller of a failed batch with a retriable KafkaUnavailableError', async () => {
    const batching = producer();
    const first = batching.send([record('a')]).catch((error: unknown) => error);
    send(batching, 'b', [record('b')]);
    await jest.advanceTimersByTimeAsync(5);
    const cause = new KafkaJSConnectionError('broker gone');
    scripted.fail(cause);
    await jest.advanceTimersByTimeAsync(0);
    const error = await first;
    expect(error).toBeInstanceOf(KafkaUnavailableError);
    expect(error).toMatchObject({ retriable: true, cause });
    expect(settled.get('b')).toBe('KafkaUnavailableError');
  });

  it('should time out callers Kafka does not answer, withdrawing records that were not sent yet', async () => {
    const batching = producer();
    send(batching, 'in-flight', [record('a')]);
    await jest.advanceTimersByTimeAsync(5);
    send(batching, 'queued', [record('b')]);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(Object.fromEntries(settled)).toEqual({ 'in-flight': 'ProduceTimeoutError', queued: 'ProduceTimeoutError' });
    expect(batching.queued).toBe(0);
    send(batching, 'later', [record('c')]);
    scripted.ack();
    await jest.advanceTimersByTimeAsync(5);
    expect(scripted.recordsIn(1)).toEqual(['c']);
    scripted.ack();
    await jest.advanceTimersByTimeAsync(0);
    expect(settled.get('later')).toBe('acked');
    expect(new ProduceTimeoutError('x').retriable).toBe(true);
  });

  it('should refuse records beyond maxQueuedRecords with ProducerOverloadedError', async () => {
    const batching = producer({ maxQueuedRecords: 2, maxBatchRecords: 10 });
    send(batching, 'a', [record('a1'), record('a2')]);
    send(batching, 'b', [record('b')]);
    await jest.advanceTimersByTimeAsync(0);
    expect(settled.get('b')).toBe('ProducerOverloadedError');
    expect(new ProducerOverloadedError('x').retriable).toBe(true);
  });

  it('should send what is queued on close and refuse later sends', async () => {
    const batching = producer({ lingerMs: 1_000 });
    send(batching, 'a', [record('a')]);
    const closing = batching.close();
    send(batching, 'late', [record('late')]);
    await jest.advanceTimersByTimeAsync(0);
    expect(scripted.recordsIn(0)).toEqual(['a']);
    scripted.ack();
    await closing;
    expect(Object.fromEntries(settled)).toEqual({ a: 'acked', late: 'ProducerClosedError' });
    await expect(batching.send([record('x')])).rejects.toBeInstanceOf(ProducerClosedError);
  });
});

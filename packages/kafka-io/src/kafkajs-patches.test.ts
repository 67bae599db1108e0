import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CompressionTypes } from 'kafkajs';
import { KAFKAJS_PATCH_MARKERS, KafkaJsUnpatchedError, assertKafkaJsPatched } from './kafkajs-patches';

/**
 * kafkajs 2.2.4 is its last release; `patches/kafkajs+2.2.4.patch` (applied
 * by `postinstall: patch-package`) fixes two bugs and two quadratic loops, and makes record encoding
 * (and decoding) cheaper without changing a byte of it. These tests fail if an
 * install skipped the patch.
 */
const load = createRequire(require.resolve('kafkajs'));

interface Queue {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

interface FetchedMessage {
  offset: string;
  key: Buffer | null;
  batchContext: { producerId: string; inTransaction: boolean };
}

describe('kafkajs patches > request queue (kafkajs#1556)', () => {
  const RequestQueue = load('./src/network/requestQueue') as { prototype: Queue };
  const queue = (pending: unknown[], throttledUntil = -1): Queue =>
    Object.assign(Object.create(RequestQueue.prototype) as Queue, { pending, throttledUntil, throttleCheckTimeoutId: null, checkPendingRequests: jest.fn() });

  afterEach(() => jest.useRealTimers());

  it('should not arm a timer when no request is pending and the connection is not throttled', () => {
    const idle = queue([]);
    idle.scheduleCheckPendingRequests();
    expect(idle.throttleCheckTimeoutId).toBeNull();
  });

  it('should still check pending requests, and wait out a throttle', () => {
    jest.useFakeTimers();
    const waiting = queue([{}]);
    waiting.scheduleCheckPendingRequests();
    jest.advanceTimersByTime(10);
    expect(waiting.checkPendingRequests).toHaveBeenCalledTimes(1);

    const throttled = queue([], Date.now() + 50);
    throttled.scheduleCheckPendingRequests();
    jest.advanceTimersByTime(49);
    expect(throttled.checkPendingRequests).not.toHaveBeenCalled();
    jest.advanceTimersByTime(2);
    expect(throttled.checkPendingRequests).toHaveBeenCalledTimes(1);
  });
});

describe('kafkajs patches > aborted transactions for read_committed', () => {
  const filterAbortedMessages = load('./src/consumer/filterAbortedMessages') as (input: { messages: FetchedMessage[]; abortedTransactions: Array<{ producerId: string; firstOffset: string }> }) => FetchedMessage[];
  const ABORT_MARKER = Buffer.from([0, 0, 0, 0]);
  const record = (offset: number, producerId: string, key: Buffer | null = Buffer.from('k')): FetchedMessage => ({ offset: String(offset), key, batchContext: { producerId, inTransaction: true } });

  it('should drop every aborted transaction even when the broker lists them in the order they ended', () => {
    // Producer "early" started at offset 0, "late" at 1; "late" aborted first, so the broker lists it first.
    const messages = [record(0, 'early'), record(1, 'late'), record(2, 'early'), record(3, 'late', ABORT_MARKER), record(4, 'early', ABORT_MARKER), record(5, 'committed')];
    const kept = filterAbortedMessages({ messages, abortedTransactions: [{ producerId: 'late', firstOffset: '1' }, { producerId: 'early', firstOffset: '0' }] });
    expect(kept.filter((m) => !m.key?.equals(ABORT_MARKER)).map((m) => m.offset)).toEqual(['5']);
  });
});

describe('kafkajs patches > grouping a send by partition in linear time (kafkajs#1576)', () => {
  const groupMessagesPerPartition = load('./src/producer/groupMessagesPerPartition') as (input: { topic: string; partitionMetadata: unknown[]; messages: Array<{ partition: number }>; partitioner: (input: { message: { partition: number } }) => number }) => Record<number, Array<{ partition: number }>>;
  const group = (count: number) => {
    const messages = Array.from({ length: count }, (_, i) => ({ partition: i % 4 }));
    return groupMessagesPerPartition({ topic: 't', partitionMetadata: [{}], messages, partitioner: ({ message }) => message.partition });
  };

  it('should keep every message, in order, under its partition', () => {
    const grouped = group(10);
    expect(Object.keys(grouped)).toEqual(['0', '1', '2', '3']);
    expect(grouped[1]).toEqual([{ partition: 1 }, { partition: 1 }, { partition: 1 }]);
  });

  it('should group a send without copying a partition array per message', () => {
    // The unpatched reduce spreads the partition's array into a new one for every message (quadratic):
    // each spread iterates an array, so the count of array iterations tells the two apart without a clock.
    const iterate = Array.prototype[Symbol.iterator];
    let iterations = 0;
    Array.prototype[Symbol.iterator] = function counted(this: unknown[]) {
      iterations += 1;
      return iterate.call(this);
    };
    let grouped: Record<number, unknown[]>;
    try {
      grouped = group(10_000);
    } finally {
      Array.prototype[Symbol.iterator] = iterate;
    }
    expect(grouped[3]).toHaveLength(2_500);
    expect(iterations).toBeLessThanOrEqual(1);
  });
});

describe('kafkajs patches > murmur2 partitioner hash in 32-bit arithmetic', () => {
  const murmur2 = load('./src/producer/partitioners/default/murmur2') as (key: string | Buffer) => number;

  it("should give Kafka's own murmur2 values (Apache Kafka UtilsTest), so keys land where Java clients put them", () => {
    const expected: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
      ['', 275646681],
    ];
    expect(expected.map(([key]) => murmur2(key))).toEqual(expected.map(([, hash]) => hash));
  });

  it('should hash without the unbounded 64-bit Long arithmetic that made a long key quadratic', () => {
    // Unpatched, the hash is a Long (a BigInt) multiplied twice per 4 bytes and never wrapped: it grows by 32 bits a round,
    // so a 2 MB key took minutes. Patched, no Long is multiplied at all.
    const Long = load('./src/utils/long') as { prototype: { multiply(this: unknown, other: unknown): unknown } };
    const multiply = Long.prototype.multiply;
    let multiplications = 0;
    Long.prototype.multiply = function counted(this: unknown, other: unknown) {
      multiplications += 1;
      return multiply.call(this, other);
    };
    try {
      expect(Number.isInteger(murmur2(Buffer.alloc(64 * 1024, 'x')))).toBe(true);
    } finally {
      Long.prototype.multiply = multiply;
    }
    expect(multiplications).toBe(0);
  });
});

describe('kafkajs patches > record encoding in fewer allocations and copies', () => {
  type Message = { key: string | null; value: string | Buffer; headers: Record<string, string | string[]>; timestamp: number };
  type Request = { encode(): Promise<{ buffer: Buffer }> };
  const Produce = load('./src/protocol/requests/produce/v3/request') as (request: object) => Request;
  const Long = load('./src/utils/long') as { fromValue(value: number): unknown };
  const crc32C = load('./src/protocol/recordBatch/crc32C/crc32C') as (buffer: Buffer) => number;

  /** Null keys, Buffer values, no headers, repeated headers, multi-byte UTF-8, a timestamp delta past 32 bits, two topics. */
  const produceRequest = (count: number, compression: number) => {
    const value = (i: number) => JSON.stringify({ type: 'track', event: 'Experiment Viewed', anonymousId: `anon-${i}`, messageId: `m-${i}-ü-€-😀`, properties: { experiment_id: 'checkout', variation_id: i % 2 ? 'a' : 'b' } });
    const messages = (): Message[] =>
      Array.from({ length: count }, (_, i) => ({
        key: i % 7 === 0 ? null : `anon-${i}`,
        value: i % 11 === 0 ? Buffer.from(value(i)) : value(i),
        headers: i % 13 === 0 ? {} : { 'event-type': 'track', source: 'web', 'received-at': '2024-05-01T12:00:00.000Z', ...(i % 5 === 0 ? { 'message-id-derived': 'true', multi: ['x', 'y€'] } : {}) },
        timestamp: 1714564800000 + (i % 3 === 0 ? i * 1000 : 0) + (i === 5 ? 5e9 : 0),
      }));
    return Produce({
      compression,
      acks: -1,
      timeout: 30000,
      producerId: Long.fromValue(12345),
      producerEpoch: 3,
      topicData: [
        { topic: 'events', partitions: [0, 1, 2].map((partition) => ({ partition, firstSequence: 100 + partition, messages: messages() })) },
        { topic: 'dead', partitions: [{ partition: 0, firstSequence: 0, messages: messages().slice(0, 3) }] },
      ],
    });
  };

  // Length and SHA-256 of each request as kafkajs 2.2.4, published on npm without the patch, encodes it.
  it.each([
    ['uncompressed', CompressionTypes.None, 37_334, 'cab25b1a0513a4e87b1659c2162c31b2209c68806aa60fc40da6c105401f3e10'],
    ['gzip', CompressionTypes.GZIP, 3_676, '572cc6327145c8c7c3b7c066be4e92de9d14a7fa5fe05ed2f0089aba5925e3e9'],
  ])('should encode a produce request (%s) byte for byte as the published kafkajs 2.2.4 does', async (_, compression, length, sha256) => {
    const encoded = (await produceRequest(50, compression).encode()).buffer;
    expect(encoded).toHaveLength(length);
    expect(createHash('sha256').update(encoded).digest('hex')).toBe(sha256);
  });

  it('should compute the same CRC-32C as one table look-up per byte, for every length modulo 8', () => {
    const bitwise = (buffer: Buffer) => {
      let crc = ~0;
      for (const byte of buffer) {
        crc ^= byte;
        for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
      }
      return ~crc >>> 0;
    };
    expect(crc32C(Buffer.from('123456789'))).toBe(0xe3069283);
    const bytes = randomBytes(4096);
    for (let length = 0; length < 80; length += 1) expect(crc32C(bytes.subarray(length, length * 2))).toBe(bitwise(bytes.subarray(length, length * 2)));
    expect(crc32C(bytes)).toBe(bitwise(bytes));
  });
});

describe('kafkajs patches > record offsets and timestamps decoded in Number arithmetic', () => {
  const Long = load('./src/utils/long') as { fromValue(value: string | number): unknown };
  const { RecordBatch } = load('./src/protocol/recordBatch/v0') as { RecordBatch(batch: Record<string, unknown>): Promise<{ buffer: Buffer }> };
  const encodeRecord = load('./src/protocol/recordBatch/record/v0') as (record: Record<string, unknown>) => unknown;
  const Decoder = load('./src/protocol/decoder') as new (buffer: Buffer) => unknown;
  const decodeBatch = load('./src/protocol/recordBatch/v0/decoder') as (decoder: unknown) => Promise<{ records: Array<{ offset: string; timestamp: string }> }>;

  it('should give every offset and timestamp of a batch as Long arithmetic does, across 2^53 and for deltas of any size', async () => {
    // Deltas of 1 to 9 varlong bytes, both signs: the Number path takes up to 7 bytes, the Long path the rest.
    const timestampDeltas = [0, 1, -1, 127, -300, 2 ** 20, -(2 ** 34), 2 ** 47 - 1, -(2 ** 47), 2 ** 48, -(2 ** 50), 2 ** 62];
    for (const firstOffset of ['0', '9007199254740985']) {
      for (const firstTimestamp of ['1796428485370', '-1']) {
        const records = timestampDeltas.map((delta, offsetDelta) => encodeRecord({ offsetDelta, timestampDelta: Long.fromValue(delta), key: Buffer.from('k'), value: Buffer.from(String(offsetDelta)) }));
        const encoded = await RecordBatch({ firstOffset: Long.fromValue(firstOffset), firstTimestamp: Long.fromValue(firstTimestamp), maxTimestamp: Long.fromValue(firstTimestamp), lastOffsetDelta: records.length - 1, records });
        const { records: decoded } = await decodeBatch(new Decoder(encoded.buffer));
        expect(decoded.map((r) => [r.offset, r.timestamp])).toEqual(timestampDeltas.map((delta, i) => [String(BigInt(firstOffset) + BigInt(i)), String(BigInt(firstTimestamp) + BigInt(delta))]));
      }
    }
  });
});

describe('kafkajs patches > start-up check', () => {
  const installed = dirname(require.resolve('kafkajs/package.json'));

  it('should pass on this install and refuse a kafkajs with a hunk missing, naming its file', () => {
    expect(() => assertKafkaJsPatched(installed)).not.toThrow();
    const copy = mkdtempSync(join(tmpdir(), 'kafkajs-unpatched-'));
    try {
      for (const { file } of KAFKAJS_PATCH_MARKERS) {
        mkdirSync(dirname(join(copy, file)), { recursive: true });
        writeFileSync(join(copy, file), readFileSync(join(installed, file)));
      }
      writeFileSync(join(copy, 'src/producer/partitioners/default/murmur2.js'), '// as published\n');
      expect(() => assertKafkaJsPatched(copy)).toThrow(KafkaJsUnpatchedError);
      expect(() => assertKafkaJsPatched(copy)).toThrow(/unpatched: src\/producer\/partitioners\/default\/murmur2\.js.*npm ci/);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe('kafkajs patches > pinned version', () => {
  it('should depend on kafkajs 2.2.4 exactly wherever it is a dependency, as the patch fits that release only', () => {
    const root = join(__dirname, '..', '..', '..');
    const manifests = [join(root, 'package.json'), ...['packages', 'services'].flatMap((folder) => readdirSync(join(root, folder)).map((name) => join(root, folder, name, 'package.json')))];
    const ranges = manifests.flatMap((file) => {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
      const range = manifest.dependencies?.kafkajs ?? manifest.devDependencies?.kafkajs;
      return range === undefined ? [] : [[file.slice(root.length + 1), range]];
    });
    expect(ranges.length).toBeGreaterThanOrEqual(9);
    expect(ranges.filter(([, range]) => range !== '2.2.4')).toEqual([]);
    expect((JSON.parse(readFileSync(join(installedRoot(), 'package.json'), 'utf8')) as { version: string }).version).toBe('2.2.4');
  });
});

function installedRoot(): string {
  return dirname(require.resolve('kafkajs/package.json'));
}

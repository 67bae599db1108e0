import { prepareEvents, type IntakeOptions } from './intake';
import { MAX_EVENT_BYTES } from './limits';
import { MAX_JSON_DEPTH, nestingDepth } from './json-depth';
import { RECORD_HEADERS, deadLetterKey, type DeadLetter } from './record';

const receivedAt = new Date('2024-05-01T12:00:00.000Z');
const options: IntakeOptions = { receivedAt, source: 'web', path: '$.batch', bodyBytes: 1_000 };
const track = (id: string, extra: Record<string, unknown> = {}) => ({ type: 'track', event: 'Clicked', anonymousId: `anon-${id}`, messageId: id, ...extra });

describe('prepareEvents', () => {
  it('should turn valid messages into keyed records with type, source and receivedAt headers', () => {
    const { accepted, rejected } = prepareEvents([track('m1'), { type: 'identify', userId: 'u-2', messageId: 'm2' }], options);
    expect(rejected).toEqual([]);
    expect(accepted.map(({ index, type, messageId }) => ({ index, type, messageId }))).toEqual([
      { index: 0, type: 'track', messageId: 'm1' },
      { index: 1, type: 'identify', messageId: 'm2' },
    ]);
    const [first, second] = accepted;
    expect(first?.record.key).toBe('anon-m1');
    expect(second?.record.key).toBe('u-2');
    expect(first?.record.headers).toEqual({ [RECORD_HEADERS.eventType]: 'track', [RECORD_HEADERS.source]: 'web', [RECORD_HEADERS.receivedAt]: '2024-05-01T12:00:00.000Z' });
    expect(JSON.parse(first?.record.value ?? '')).toEqual({ ...track('m1'), receivedAt: '2024-05-01T12:00:00.000Z', timestamp: '2024-05-01T12:00:00.000Z' });
  });

  it('should flag a derived messageId in a header', () => {
    const { accepted } = prepareEvents([{ type: 'page', anonymousId: 'a' }], options);
    expect(accepted[0]?.record.headers[RECORD_HEADERS.messageIdDerived]).toBe('true');
  });

  it('should keep valid messages and dead-letter each invalid one with its index and every reason', () => {
    const { accepted, rejected } = prepareEvents([track('m1'), { type: 'track', anonymousId: 'a', userId: '' }, track('m3'), 'junk'], options);
    expect(accepted.map((event) => event.index)).toEqual([0, 2]);
    expect(rejected.map(({ index, reason, issues }) => ({ index, reason, issues }))).toEqual([
      {
        index: 1,
        reason: 'invalid',
        issues: expect.arrayContaining([
          { path: '$.batch[1].event', reason: 'is required' },
          { path: '$.batch[1].userId', reason: 'must be a non-empty string or a number' },
        ]),
      },
      { index: 3, reason: 'invalid', issues: [{ path: '$.batch[3]', reason: 'must be a JSON object (a Segment message)' }] },
    ]);
    const deadLetter = JSON.parse(rejected[0]?.record.value ?? '') as DeadLetter;
    expect(deadLetter).toEqual({ reason: 'invalid', issues: rejected[0]?.issues, source: 'web', receivedAt: '2024-05-01T12:00:00.000Z', index: 1, event: { type: 'track', anonymousId: 'a', userId: '' } });
    expect(rejected[0]?.record.key).toBe(deadLetterKey('a'));
    expect(rejected[0]?.record.headers).toMatchObject({ [RECORD_HEADERS.deadLetterReason]: 'invalid', [RECORD_HEADERS.eventType]: 'track', [RECORD_HEADERS.source]: 'web' });
    expect(rejected[1]?.record.key).toBeNull();
  });

  it('should refuse an event over the size limit as too large, naming the limit', () => {
    const big = track('big', { properties: { blob: 'x'.repeat(MAX_EVENT_BYTES) } });
    const { accepted, rejected } = prepareEvents([track('small'), big], { ...options, bodyBytes: MAX_EVENT_BYTES * 2 });
    expect(accepted).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.reason).toBe('too_large');
    expect(rejected[0]?.issues[0]?.path).toBe('$.batch[1]');
    expect(rejected[0]?.issues[0]?.reason).toMatch(/must be at most 32768 bytes \(MAX_EVENT_BYTES\)/);
  });

  it('should measure the event as received: normalization growing it past the limit does not make it too large', () => {
    const base = track('edge', { timestamp: '2024-05-01T11:00:00.000Z', properties: { blob: '' } });
    const padding = MAX_EVENT_BYTES - Buffer.byteLength(JSON.stringify(base));
    const atLimit = track('edge', { timestamp: '2024-05-01T11:00:00.000Z', properties: { blob: 'x'.repeat(padding) } });
    expect(Buffer.byteLength(JSON.stringify(atLimit))).toBe(MAX_EVENT_BYTES);
    const { accepted } = prepareEvents([atLimit], { ...options, bodyBytes: MAX_EVENT_BYTES * 2, defaults: { context: { library: { name: 'big-batch-context' } }, sentAt: '2024-05-01T11:00:01.000Z' } });
    expect(accepted).toHaveLength(1);
    expect(Buffer.byteLength(accepted[0]?.record.value ?? '')).toBeGreaterThan(MAX_EVENT_BYTES);
  });

  it('should count what normalization drops: an event too large only by its writeKey is too large', () => {
    const event = track('secretive', { writeKey: 'k'.repeat(MAX_EVENT_BYTES) });
    const { accepted, rejected } = prepareEvents([event], { ...options, bodyBytes: MAX_EVENT_BYTES * 2 });
    expect(accepted).toEqual([]);
    expect(rejected[0]?.reason).toBe('too_large');
  });

  it('should use the endpoint type when a message has none and refuse a different one', () => {
    const endpoint = { ...options, path: '$', single: true, expectedType: 'track' as const };
    const { accepted } = prepareEvents([{ event: 'x', userId: 'u', messageId: 'm' }], endpoint);
    expect(JSON.parse(accepted[0]?.record.value ?? '')).toMatchObject({ type: 'track' });
    const { rejected } = prepareEvents([{ type: 'identify', userId: 'u' }], endpoint);
    expect(rejected[0]?.issues).toEqual([{ path: '$.type', reason: 'must be "track" on this endpoint (or left out)' }]);
    expect(JSON.parse(rejected[0]?.record.value ?? '')).not.toHaveProperty('index');
  });

  it('should apply the batch defaults to every message', () => {
    const { accepted } = prepareEvents([track('m1'), track('m2')], { ...options, defaults: { context: { library: { name: 'analytics-node' } } } });
    for (const event of accepted) expect(JSON.parse(event.record.value)).toMatchObject({ context: { library: { name: 'analytics-node' } } });
  });

  it('should account for every input: accepted plus rejected equals the batch', () => {
    const inputs = Array.from({ length: 50 }, (_, i) => (i % 3 === 0 ? { type: 'nope' } : track(`m${i}`)));
    const { accepted, rejected } = prepareEvents(inputs, options);
    expect(accepted.length + rejected.length).toBe(inputs.length);
    expect([...accepted, ...rejected].map((event) => event.index).sort((a, b) => a - b)).toEqual(inputs.map((_, i) => i));
  });

  it('should dead-letter an event nested too deep, naming where, and keep its text', () => {
    const deep = track('deep', { properties: JSON.parse(`${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`) as unknown });
    const body = Buffer.from(`[${JSON.stringify(track('ok'))},${JSON.stringify({ ...deep, properties: 0 }).replace('"properties":0', `"properties":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`)}]`);
    const { accepted, rejected } = prepareEvents([track('ok'), deep], { ...options, bodyBytes: body.length, bodyDepth: nestingDepth(body) });
    expect(accepted.map((event) => event.index)).toEqual([0]);
    expect(rejected.map(({ index, reason, issues }) => ({ index, reason, issues }))).toEqual([
      { index: 1, reason: 'invalid', issues: [{ path: `$.batch[1].properties${'.a'.repeat(MAX_JSON_DEPTH - 1)}`, reason: expect.stringMatching(/nests deeper than 64 levels .*MAX_JSON_DEPTH/) }] },
    ]);
    const deadLetter = JSON.parse(rejected[0]?.record.value ?? '') as DeadLetter;
    expect(deadLetter.event).toBeUndefined();
    expect(deadLetter.eventPrefix?.startsWith('{"type":"track"')).toBe(true);
  });

  it('should accept an event exactly at the depth limit', () => {
    let properties: Record<string, unknown> = { leaf: 1 };
    for (let depth = 2; depth < MAX_JSON_DEPTH; depth += 1) properties = { a: properties };
    const { accepted } = prepareEvents([track('edge', { properties })], { ...options, bodyDepth: MAX_JSON_DEPTH + 1 });
    expect(accepted).toHaveLength(1);
  });

  it('should refuse ids and experiment keys longer than MAX_ID_LENGTH, naming the field', () => {
    const long = 'x'.repeat(1_025);
    const { accepted, rejected } = prepareEvents(
      [
        track('a', { anonymousId: long }),
        { type: 'alias', previousId: long, userId: 'u' },
        track('b', { event: 'Experiment Viewed', properties: { experiment_id: 'e', variation_id: long } }),
        track('c', { anonymousId: 'x'.repeat(1_024), event: 'Experiment Viewed', properties: { experiment_id: 'x'.repeat(1_024), variation_id: 'B' } }),
      ],
      options,
    );
    expect(accepted.map((event) => event.index)).toEqual([3]);
    expect(rejected.map((event) => event.issues)).toEqual([
      [{ path: '$.batch[0].anonymousId', reason: 'must be at most 1024 characters (MAX_ID_LENGTH)' }],
      [{ path: '$.batch[1].previousId', reason: 'must be at most 1024 characters (MAX_ID_LENGTH)' }],
      [{ path: '$.batch[2].properties.variation_id', reason: 'must be at most 1024 characters (MAX_ID_LENGTH)' }],
    ]);
  });
});

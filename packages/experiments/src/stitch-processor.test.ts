import { DEDUP_STORE, IngestProcessor, dedupKey, LINKS_STORE, TO_ATTRIBUTION, TO_BY_USER, type ByUserRecord } from './ingest-processor';
import { IDENTITIES_STORE, PENDING_STORE, StitchProcessor } from './stitch-processor';
import { ProcessorDriver } from './testing/processor-driver';

const HOUR = 3_600_000;

describe('IngestProcessor', () => {
  const driver = () => new ProcessorDriver(new IngestProcessor(), [DEDUP_STORE, LINKS_STORE]);

  it('drops a resent messageId and sends anonymous events on to attribution, keyed by anonymousId', () => {
    const ingest = driver();
    const event = { type: 'track', event: 'Signed Up', messageId: 'm1', anonymousId: 'a1' };
    expect(ingest.pipe('a1', event, 1)).toEqual([{ key: 'a1', value: event, child: TO_ATTRIBUTION }]);
    expect(ingest.pipe('a1', event, 2)).toEqual([]);
  });

  it('drops a resend per person: one messageId sent for two persons counts for each, once', () => {
    const ingest = driver();
    const forPerson = (anonymousId: string) => ({ type: 'track', event: 'Experiment Viewed', messageId: 'shared', anonymousId });
    expect(ingest.pipe('a1', forPerson('a1'), 1)).toHaveLength(1);
    expect(ingest.pipe('a2', forPerson('a2'), 2)).toHaveLength(1);
    expect(ingest.pipe('a1', forPerson('a1'), 3)).toEqual([]);
    expect(ingest.pipe('a2', forPerson('a2'), 4)).toEqual([]);
  });

  it('keys de-duplication so that no two (messageId, person) pairs collide', () => {
    expect(dedupKey({ messageId: 'm1', anonymousId: '2x' })).not.toBe(dedupKey({ messageId: 'm12', anonymousId: 'x' }));
    expect(dedupKey({ messageId: 'm1', userId: 'u1' })).toBe(dedupKey({ messageId: 'm1', userId: 'u1', type: 'alias' }));
    expect(dedupKey({ anonymousId: 'a1' })).toBeUndefined();
  });

  it('announces each identity link once and sends userId-only events to the by-user stage', () => {
    const ingest = driver();
    const identify = { type: 'identify', messageId: 'm1', anonymousId: 'a1', userId: 'u1' };
    const outputs = ingest.pipe('a1', identify, 1);
    expect(outputs).toContainEqual({ key: 'u1', value: { link: 'a1' }, child: TO_BY_USER });
    expect(ingest.pipe('a1', { ...identify, messageId: 'm2' }, 2).filter((o) => o.child === TO_BY_USER)).toEqual([]);
    const alias = { type: 'alias', messageId: 'm3', previousId: 'a2', userId: 'u2' };
    expect(ingest.pipe('u2', alias, 3)).toContainEqual({ key: 'u2', value: { link: 'a2' }, child: TO_BY_USER });
    const server = { type: 'track', event: 'Order Completed', messageId: 'm4', userId: 'u1' };
    expect(ingest.pipe('u1', server, 4)).toEqual([{ key: 'u1', value: { event: server }, child: TO_BY_USER }]);
  });
});

describe('StitchProcessor', () => {
  const driver = () => new ProcessorDriver<ByUserRecord>(new StitchProcessor(HOUR), [IDENTITIES_STORE, PENDING_STORE]);
  const purchase = { type: 'track', event: 'Order Completed', userId: 'u1' };

  it('re-keys userId-only events to the first linked anonymousId', () => {
    const stitch = driver();
    stitch.pipe('u1', { link: 'a1' }, 1);
    stitch.pipe('u1', { link: 'a2' }, 2);
    expect(stitch.pipe('u1', { event: purchase }, 3)).toEqual([{ key: 'a1', value: purchase, child: undefined }]);
  });

  it('sends an event that arrived before its link to the linked person when the link comes within the grace period', () => {
    const stitch = driver();
    expect(stitch.pipe('u1', { event: purchase }, 1000)).toEqual([{ key: 'u1', value: purchase, child: undefined }]);
    expect(stitch.pipe('u1', { link: 'a1' }, 1000 + HOUR - 1)).toEqual([{ key: 'a1', value: purchase, timestamp: 1000, child: undefined }]);
    const late = driver();
    late.pipe('u1', { event: purchase }, 1000);
    expect(late.pipe('u1', { link: 'a1' }, 1000 + HOUR + 1)).toEqual([]);
  });
});

describe('StitchProcessor > identities fixed before a rebuild', () => {
  const driver = () => new ProcessorDriver<ByUserRecord>(new StitchProcessor(HOUR), [IDENTITIES_STORE, PENDING_STORE]);
  const purchase = { type: 'track', event: 'Order Completed', userId: 'u1' };
  const T = 10 * HOUR;

  it('keeps the earliest link whatever order the links come in, and routes events as live processing in arrival order did', () => {
    const stitch = driver();
    // The second device's link (later arrival) is read first: the fixed identity is the earlier one.
    expect(stitch.pipe('u1', { identity: 'desktop', a: T + 2 * HOUR }, 1)).toEqual([]);
    expect(stitch.pipe('u1', { identity: 'phone', a: T }, 2)).toEqual([]);
    expect(stitch.pipe('u1', { link: 'desktop' }, T + 2 * HOUR)).toEqual([]);
    // After the link: the linked person.
    expect(stitch.pipe('u1', { event: purchase }, T + 1)).toEqual([{ key: 'phone', value: purchase, child: undefined }]);
    // Within the grace period before it: the userId at once and the linked person (live: when the link arrived).
    expect(stitch.pipe('u1', { event: purchase }, T - HOUR + 1)).toEqual([
      { key: 'u1', value: purchase, child: undefined },
      { key: 'phone', value: purchase, timestamp: T - HOUR + 1, child: undefined },
    ]);
    // Earlier: the userId alone.
    expect(stitch.pipe('u1', { event: purchase }, T - HOUR - 1)).toEqual([{ key: 'u1', value: purchase, child: undefined }]);
  });
});

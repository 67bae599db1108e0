import type { Message } from 'kafkajs';
import { BATCH_HEADER, EXPIRE_AT_HEADER, changelogRecords, changesOfRecord } from './changelog-records';
import type { StoreChange } from './task-state';

const asRead = (message: Message, offset: number) => ({
  key: message.key === undefined || message.key === null ? null : Buffer.from(message.key),
  value: message.value === undefined || message.value === null ? null : Buffer.from(message.value),
  headers: message.headers,
  offset: String(offset),
});

describe('changelogRecords', () => {
  const changes: StoreChange[] = [
    { store: 's', key: 'a', value: '1', expireAt: 0 },
    { store: 's', key: 'b', value: null, expireAt: 0 },
  ];

  it('should write one record per key, named by the key, for a store without retention', () => {
    const messages = changelogRecords({ name: 's' }, changes, 3, () => 'unused');
    expect(messages.map((m) => [m.key, m.value, m.partition])).toEqual([
      ['a', '1', 3],
      ['b', null, 3],
    ]);
    expect(messages.flatMap((m, i) => changesOfRecord('s', asRead(m, i)))).toEqual(changes);
  });

  it('should write a store with retention as batch records under the given unique keys, which read back as the same changes', () => {
    const expiring: StoreChange[] = Array.from({ length: 5 }, (_, i) => ({ store: 'dedup', key: `m-${i}`, value: String(i), expireAt: 1_000 + i }));
    const messages = changelogRecords({ name: 'dedup', retentionMs: 60_000 }, expiring, 1, (index) => `0_1:7:3:${index}`);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.key).toBe('0_1:7:3:0');
    expect(messages[0]?.headers?.[BATCH_HEADER]).toBe('1');
    expect(changesOfRecord('dedup', asRead(messages[0] as Message, 0))).toEqual(expiring);
  });

  it('should split a large commit into several batch records of bounded size, in order', () => {
    const expiring: StoreChange[] = Array.from({ length: 30_000 }, (_, i) => ({ store: 'dedup', key: `message-${i}-${'x'.repeat(20)}`, value: '1733212345678', expireAt: 1_733_817_145_678 }));
    const messages = changelogRecords({ name: 'dedup', retentionMs: 60_000 }, expiring, 0, (index) => `k${index}`);
    expect(messages.length).toBeGreaterThan(1);
    expect(new Set(messages.map((m) => m.key)).size).toBe(messages.length);
    for (const message of messages) expect(Buffer.byteLength(message.value as string)).toBeLessThan(1024 * 1024);
    expect(messages.flatMap((m, i) => changesOfRecord('dedup', asRead(m, i)))).toEqual(expiring);
  });

  it('should read the per-key records with an expiry header that earlier versions wrote for stores with retention', () => {
    const record = { key: Buffer.from('m-1'), value: Buffer.from('42'), headers: { [EXPIRE_AT_HEADER]: Buffer.from('5000') }, offset: '9' };
    expect(changesOfRecord('dedup', record)).toEqual([{ store: 'dedup', key: 'm-1', value: '42', expireAt: 5_000 }]);
  });

  it('should refuse a batch record that holds no entry list, naming the store and offset', () => {
    const record = { key: Buffer.from('k'), value: Buffer.from('{"not":"a list"}'), headers: { [BATCH_HEADER]: Buffer.from('1') }, offset: '12' };
    expect(() => changesOfRecord('dedup', record)).toThrow('changelog batch record at offset 12 of store "dedup" holds no entry list');
  });
});

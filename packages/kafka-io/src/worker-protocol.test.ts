import type { ProducerRecord } from './batching-producer';
import { fromSendRequest, toSendRequest } from './worker-protocol';

describe('worker protocol > sends', () => {
  it('should carry records across the thread boundary unchanged, a headers object they share once', () => {
    const shared = Object.freeze({ 'event-type': 'track', source: 'web' });
    const records: ProducerRecord[] = [
      { topic: 'events', key: 'anon-1', value: '{"a":"ü"}', headers: shared },
      { topic: 'dead-letters', key: null, value: '{}' },
      { topic: 'events', key: 'anon-2', value: '{"b":2}', headers: shared },
    ];
    const request = toSendRequest(7, records);
    const received = fromSendRequest(structuredClone(request));
    expect(request.id).toBe(7);
    expect(received).toEqual(records);
    expect(received[0]?.headers).toBe(received[2]?.headers);
    expect(Object.isFrozen(received[0]?.headers)).toBe(true);
  });
});

import { parseBatchEnvelope } from './envelope';

describe('parseBatchEnvelope', () => {
  it('should split a batch request into messages, defaults and write key', () => {
    const result = parseBatchEnvelope({ batch: [{ type: 'track' }], context: { locale: 'en' }, integrations: { All: true }, writeKey: 'k', sentAt: '2024-05-01T12:00:00.000Z' });
    expect(result).toEqual({
      ok: true,
      envelope: { batch: [{ type: 'track' }], writeKey: 'k', defaults: { context: { locale: 'en' }, integrations: { All: true }, sentAt: '2024-05-01T12:00:00.000Z' } },
    });
  });

  it('should leave out what the request does not set', () => {
    expect(parseBatchEnvelope({ batch: [1] })).toEqual({ ok: true, envelope: { batch: [1], defaults: {} } });
  });

  it.each([
    [[], '$', 'must be a JSON object with a "batch" array'],
    [{}, '$.batch', 'is required'],
    [{ batch: {} }, '$.batch', 'must be an array of messages'],
    [{ batch: [] }, '$.batch', 'must contain at least one message'],
    [{ batch: [{}], context: [] }, '$.context', 'must be a JSON object'],
    [{ batch: [{}], sentAt: 'now' }, '$.sentAt', 'must be an ISO-8601 date-time with an offset, e.g. 2024-05-01T12:00:00.000Z'],
    [{ batch: [{}], writeKey: 5 }, '$.writeKey', 'must be a string'],
  ])('should refuse %j naming %s', (body, path, reason) => {
    expect(parseBatchEnvelope(body)).toEqual({ ok: false, issues: [{ path, reason }] });
  });
});

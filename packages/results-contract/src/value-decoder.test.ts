import { createValueDecoder } from './value-decoder';
import { RecordDecodeError } from './errors';

describe('createValueDecoder', () => {
  const avro = Buffer.from([0, 0, 0, 0, 7, 1, 2]);

  it('should decode JSON without a registry and Confluent-framed Avro through it', async () => {
    const registry = { decode: jest.fn(async () => ({ from: 'avro' })) };
    const decode = createValueDecoder(registry);
    expect(await decode(Buffer.from('{"a":1}'))).toEqual({ a: 1 });
    expect(await decode(avro)).toEqual({ from: 'avro' });
    expect(registry.decode).toHaveBeenCalledWith(avro);
  });

  it('should refuse Avro without a registry and values that are neither', async () => {
    const decode = createValueDecoder(undefined);
    await expect(decode(avro)).rejects.toThrow(/no schema registry is configured: set SCHEMA_REGISTRY_URL/);
    await expect(decode(Buffer.from('not json'))).rejects.toBeInstanceOf(RecordDecodeError);
  });

  it('should make a failing registry lookup retriable', async () => {
    const decode = createValueDecoder({ decode: async () => Promise.reject(new Error('ECONNREFUSED')) });
    await expect(decode(avro)).rejects.toMatchObject({ name: 'RecordDecodeError', retriable: true, message: expect.stringContaining('schema id 7') });
  });
});

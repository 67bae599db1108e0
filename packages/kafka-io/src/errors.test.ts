import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, KafkaJSRequestTimeoutError } from 'kafkajs';
import { KafkaIoError, KafkaUnavailableError, ProduceRejectedError, ProduceTimeoutError, toProduceError } from './errors';

describe('toProduceError', () => {
  it('should map retriable kafkajs errors to KafkaUnavailableError', () => {
    for (const error of [new KafkaJSConnectionError('refused'), new KafkaJSRequestTimeoutError('slow')]) {
      const mapped = toProduceError(error);
      expect(mapped).toBeInstanceOf(KafkaUnavailableError);
      expect(mapped.retriable).toBe(true);
      expect(mapped.cause).toBe(error);
    }
  });

  it('should map refusals for good to ProduceRejectedError', () => {
    const tooLarge = new KafkaJSProtocolError({ message: 'too large', type: 'MESSAGE_TOO_LARGE', code: 10, retriable: false } as unknown as Error);
    expect(toProduceError(tooLarge)).toBeInstanceOf(ProduceRejectedError);
    expect(toProduceError(new KafkaJSNonRetriableError('no')).retriable).toBe(false);
  });

  it('should judge exhausted retries by the error that was retried', () => {
    const exhausted = new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('refused'), { retryCount: 5, retryTime: 100 });
    expect(toProduceError(exhausted)).toBeInstanceOf(KafkaUnavailableError);
  });

  it('should keep errors of its own hierarchy, with literal names', () => {
    const timeout = new ProduceTimeoutError('late');
    expect(toProduceError(timeout)).toBe(timeout);
    expect(timeout.name).toBe('ProduceTimeoutError');
    expect(timeout).toBeInstanceOf(KafkaIoError);
    expect(timeout.retriable).toBe(true);
  });
});

import { KafkaJSProtocolError } from 'kafkajs';
import { whileTopicsPropagate } from './topics';

const protocolError = (type: string, code: number) => new KafkaJSProtocolError({ message: type, type, code, retriable: true } as unknown as Error);

describe('whileTopicsPropagate', () => {
  it('should retry while the new partition has no leader that took it on yet', async () => {
    // What fetchTopicOffsets threw at the results service's start-up when the processor had just created the topic.
    const answers = [protocolError('NOT_LEADER_FOR_PARTITION', 6), protocolError('LEADER_NOT_AVAILABLE', 5), protocolError('UNKNOWN_TOPIC_OR_PARTITION', 3)];
    let calls = 0;
    const result = await whileTopicsPropagate(async () => {
      calls++;
      const answer = answers.shift();
      if (answer) throw answer;
      return 'offsets';
    });
    expect(result).toBe('offsets');
    expect(calls).toBe(4);
  });

  it('should throw any other error at once', async () => {
    let calls = 0;
    const denied = protocolError('TOPIC_AUTHORIZATION_FAILED', 29);
    await expect(whileTopicsPropagate(() => (calls++, Promise.reject(denied)))).rejects.toBe(denied);
    expect(calls).toBe(1);
  });

  it('should give up with the last error once its deadline passed', async () => {
    const propagating = protocolError('NOT_LEADER_FOR_PARTITION', 6);
    await expect(whileTopicsPropagate(() => Promise.reject(propagating), 300)).rejects.toBe(propagating);
  });
});

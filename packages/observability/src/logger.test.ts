import { Writable } from 'node:stream';
import { createLogger } from './logger';

describe('createLogger', () => {
  it('should write one JSON object per line with level, ISO time, name and context', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ name: 'ingress', level: 'info', base: { instance: 'i-1' }, destination });
    logger.child({ topic: 'events' }).info({ partition: 2 }, 'written');
    logger.debug('hidden below the level');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'info', name: 'ingress', instance: 'i-1', topic: 'events', partition: 2, msg: 'written' });
    expect(new Date(String(entry.time)).toISOString()).toBe(entry.time);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManagedProcess } from './managed-process';
import { restartDelayMs, SupervisedService, type RestartPolicy } from './supervisor';
import { waitFor } from './wait';

const FAST: RestartPolicy = { initialDelayMs: 10, maxDelayMs: 40, stableAfterMs: 60_000, maxCrashesInARow: 4 };

describe('restartDelayMs', () => {
  it('should double the delay with each crash in a row, up to the maximum', () => {
    expect([1, 2, 3, 4, 5].map((crashes) => restartDelayMs(crashes, FAST))).toEqual([10, 20, 40, 40, 40]);
  });
});

describe('SupervisedService', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'supervisor-test-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const node = (script: string) => () => ManagedProcess.start({ name: 'crasher', command: process.execPath, args: ['-e', script], logFile: join(dir, 'crasher.log') });

  it('should restart a crashed service with backoff, then give up on a crash loop', async () => {
    const lines: string[] = [];
    let gaveUp: string | undefined;
    const service = new SupervisedService({ name: 'crasher', start: node('process.exit(3)'), log: (line) => lines.push(line), onGiveUp: (reason) => (gaveUp = reason), policy: FAST });
    await waitFor(() => gaveUp, { description: 'the supervisor to give up', timeoutMs: 10_000 });
    expect(service.restarts).toBe(3);
    expect(lines.filter((line) => line.includes('restarting it in'))).toEqual([
      'service crasher exited with code 3; restarting it in 10 ms (crash 1 in a row)',
      'service crasher exited with code 3; restarting it in 20 ms (crash 2 in a row)',
      'service crasher exited with code 3; restarting it in 40 ms (crash 3 in a row)',
    ]);
    expect(gaveUp).toBe('service crasher exited with code 3, its 4th crash in a row; not restarting it');
  });

  it('should name the signal that killed a service, and not restart one that was stopped', async () => {
    const lines: string[] = [];
    const service = new SupervisedService({ name: 'sleeper', start: node('setInterval(() => {}, 1000)'), log: (line) => lines.push(line), onGiveUp: () => undefined, policy: FAST });
    const first = service.pid as number;
    process.kill(first, 'SIGKILL');
    await waitFor(() => service.restarts === 1, { description: 'a restart', timeoutMs: 10_000 });
    expect(lines[0]).toBe('service sleeper was killed by SIGKILL; restarting it in 10 ms (crash 1 in a row)');
    expect(service.pid).not.toBe(first);
    await service.stop();
    expect(service.restarts).toBe(1);
    expect(lines.filter((line) => line.includes('restarting it in'))).toHaveLength(1);
  });
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { CliRun, descendants, isolatedCliEnv, pgrep, servicePorts } from './cli-run';
import { answersReady } from './local-services';
import { waitFor } from './wait';

/*
 * `npm start` exactly as a user runs it (the root package.json script), with
 * a stack of its own (no KAFKA_BROKERS etc. from the test run) on free ports.
 * Needs the build (`npm test` builds before jest).
 */
const READY_TIMEOUT_MS = 240_000;
/** A restarted processor rejoins its group once the killed member's session expired. */
const SESSION_TIMEOUT_MS = '10000';
const RESTART_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 60_000;

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // ESRCH: no such process.
    return false;
  }
};

describe('abtest-stack up, started by npm start', () => {
  let run: CliRun;
  let ports: Record<string, number>;

  beforeAll(async () => {
    const env = await isolatedCliEnv({ SESSION_TIMEOUT_MS });
    ports = servicePorts(env);
    run = new CliRun('npm', ['start'], env);
    await run.waitForOutput(/^Ready\./m, READY_TIMEOUT_MS);
  });

  afterAll(() => run.killGroup());

  it('should print Ready. only once every service answers /readyz with 200', async () => {
    const ready = await Promise.all(Object.values(ports).map((port) => answersReady(port)));
    expect(Object.fromEntries(Object.keys(ports).map((name, i) => [name, ready[i]]))).toEqual({ ingress: true, processor: true, results: true });
  });

  it('should restart a service killed with SIGKILL and keep the broker, its data and its topics', async () => {
    const brokers = run.output.match(/^Kafka brokers: +(\S+)/m)?.[1]?.split(',') ?? [];
    const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const topic = `cli-crash-survivor-${process.pid}`;
      await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
      const pid = Number(run.output.match(/^service processor: started \(pid (\d+)/m)?.[1]);
      process.kill(pid, 'SIGKILL');

      const restarted = Number((await run.waitForOutput(/^service processor: restarted \(pid (\d+)\)/m, RESTART_TIMEOUT_MS))[1]);
      expect(restarted).not.toBe(pid);
      expect(run.output).toMatch(/^service processor was killed by SIGKILL; restarting it in \d+ ms/m);
      await waitFor(() => answersReady(ports.processor as number), { description: 'the restarted processor to answer /readyz with 200', timeoutMs: RESTART_TIMEOUT_MS, intervalMs: 500 });
      expect(run.running).toBe(true);
      expect(run.output).not.toMatch(/^stopping/m);
      expect(existsSync(join(run.workDir(), 'kafka-data'))).toBe(true);
      expect(await admin.listTopics()).toContain(topic);
    } finally {
      await admin.disconnect();
    }
  });

  it('should stop every process of the stack on SIGTERM to the PID it started with', async () => {
    const workDir = run.workDir();
    const tree = descendants(run.pid);
    expect(pgrep(['-f', workDir]).length).toBeGreaterThan(0);
    expect(tree.length).toBeGreaterThan(3);

    run.signal('SIGTERM');
    await Promise.race([run.exited, new Promise((_, reject) => setTimeout(() => reject(new Error(`npm start still runs ${STOP_TIMEOUT_MS} ms after SIGTERM`)), STOP_TIMEOUT_MS).unref())]);
    // The stack's processes may outlive npm by a moment only if nobody stopped them: none may be left at all.
    expect(tree.filter(isAlive)).toEqual([]);
    expect(pgrep(['-af', workDir])).toEqual([]);
    expect(existsSync(workDir)).toBe(false);
  });
});

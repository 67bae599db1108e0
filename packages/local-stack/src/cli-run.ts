import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { getFreePort } from './free-port';
import { LOCAL_SERVICES, REPO_ROOT } from './local-services';
import { waitFor } from './wait';
import { StackError } from './errors';

/** What `npm start` runs once the build is done. */
export const CLI_ARGS = [resolve(__dirname, '..', 'dist', 'cli.js'), 'up'];

/**
 * The environment of a stack of its own, beside any other on the machine:
 * no external Kafka, Redis, registry or PostgreSQL, free service ports.
 */
export async function isolatedCliEnv(extra: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  const { KAFKA_BROKERS: _k, REDIS_URL: _r, SCHEMA_REGISTRY_URL: _s, PG_URL: _p, PORT: _port, ...env } = process.env;
  return { ...env, INGRESS_PORT: String(await getFreePort()), PROCESSOR_PORT: String(await getFreePort()), RESULTS_PORT: String(await getFreePort()), ...extra };
}

/** The HTTP port of each service in `env`, by name. */
export const servicePorts = (env: NodeJS.ProcessEnv): Record<string, number> => Object.fromEntries(LOCAL_SERVICES.map((service) => [service.name, service.port(env)]));

/**
 * `abtest-stack up` (or `npm start`) as a user runs it, in a process group of
 * its own, with its output collected for the assertions.
 */
export class CliRun {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private text = '';

  constructor(command: string, args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(command, args, { cwd: REPO_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [this.child.stdout, this.child.stderr]) stream?.on('data', (chunk: Buffer) => (this.text += chunk.toString('utf8')));
    this.exited = new Promise((resolveExit) => this.child.once('exit', (code, signal) => resolveExit({ code, signal })));
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new StackError(`could not start ${this.child.spawnfile}`);
    return this.child.pid;
  }

  get output(): string {
    return this.text;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until the output matches `pattern`; fails at once if the process ends first. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return waitFor(() => this.text.match(pattern) ?? undefined, {
      description: `output matching ${pattern}; output so far:\n${this.text.slice(-3_000)}`,
      timeoutMs,
      intervalMs: 200,
      failFast: () => (this.running ? undefined : new Error(`the stack exited before printing ${pattern}:\n${this.text.slice(-3_000)}`)),
    });
  }

  /** The work directory the CLI printed. */
  workDir(): string {
    const match = this.text.match(/^Work directory: +(\S+)/m);
    if (!match?.[1]) throw new StackError(`no work directory in the output:\n${this.text}`);
    return match[1];
  }

  signal(signal: NodeJS.Signals): void {
    process.kill(this.pid, signal);
  }

  /**
   * Last resort after a failed test: SIGKILL to the whole process group this
   * run started, which also holds anything that outlived the started PID.
   */
  killGroup(): void {
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
}

/** `pgrep` output (pid and command line) of the processes matching `pattern`, or none. */
export function pgrep(args: string[]): string[] {
  try {
    return execFileSync('pgrep', args, { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch (error) {
    // pgrep exits 1 when nothing matches.
    if ((error as { status?: number }).status === 1) return [];
    throw error;
  }
}

/** Every descendant of `pid` now, children first. */
export function descendants(pid: number): number[] {
  const children = pgrep(['-P', String(pid)]).map(Number);
  return children.flatMap((child) => [child, ...descendants(child)]);
}

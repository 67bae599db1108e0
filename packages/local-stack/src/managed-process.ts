import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { StackError } from './errors';

export interface ManagedProcessOptions {
  /** Short name for logs and errors, e.g. "kafka". */
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** stdout and stderr of the process are appended here. */
  logFile: string;
  /** How long stop() waits after SIGTERM before SIGKILL. */
  stopTimeoutMs?: number;
}

const DEFAULT_STOP_TIMEOUT_MS = 15_000;

/** Whether `setpriv --pdeathsig` is available (util-linux, Linux only). */
const hasSetpriv = process.platform === 'linux' && spawnSync('setpriv', ['--help'], { stdio: 'ignore' }).status === 0;

/**
 * A child process the stack owns. On Linux it is started through
 * `setpriv --pdeathsig SIGKILL`, so the kernel kills it if the process that
 * started it dies in any way (even SIGKILL): no JVM or redis-server outlives
 * the command that started it. stop() asks politely first.
 */
export class ManagedProcess {
  readonly name: string;
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private readonly stopTimeoutMs: number;
  private exitCode: number | null | undefined;

  private constructor(options: ManagedProcessOptions) {
    this.name = options.name;
    this.stopTimeoutMs = options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    const [command, args] = hasSetpriv
      ? ['setpriv', ['--pdeathsig', 'SIGKILL', '--', options.command, ...options.args]]
      : [options.command, options.args];
    const log = createWriteStream(options.logFile, { flags: 'a' });
    this.child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.pipe(log);
    this.child.stderr?.pipe(log);
    this.exited = new Promise((resolve, reject) => {
      this.child.once('error', (error) => reject(new StackError(`could not start ${this.name} (${options.command}): ${error.message}`, { cause: error })));
      this.child.once('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      });
    });
    // The promise is awaited by stop(); an early failure is reported by isRunning/exited.
    this.exited.catch(() => undefined);
  }

  static start(options: ManagedProcessOptions): ManagedProcess {
    return new ManagedProcess(options);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get isRunning(): boolean {
    return this.exitCode === undefined && this.child.pid !== undefined;
  }

  /** Sends a signal without waiting (tests use SIGKILL/SIGSTOP to simulate failures). */
  signal(signal: NodeJS.Signals): void {
    if (this.isRunning) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL if the process has not exited within stopTimeoutMs. */
  async stop(): Promise<void> {
    if (!this.isRunning) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), this.stopTimeoutMs);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

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
  /** How long stop() waits after its stop signal before SIGKILL. */
  stopTimeoutMs?: number;
  /** What stop() sends first; SIGTERM unless the program shuts down fast on another (PostgreSQL: SIGINT). */
  stopSignal?: NodeJS.Signals;
  /** Runs the process as this unprivileged user (Linux, through setpriv), e.g. for programs that refuse root. */
  user?: ProcessUser;
}

export interface ProcessUser {
  uid: number;
  gid: number;
}

/** The setpriv arguments that run a command as `user` instead of root. */
export const setprivUserArgs = (user: ProcessUser): string[] => ['--reuid', String(user.uid), '--regid', String(user.gid), '--clear-groups'];

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
  private readonly stopSignal: NodeJS.Signals;
  private exitCode: number | null | undefined;
  private signalCode: NodeJS.Signals | null = null;

  private constructor(options: ManagedProcessOptions) {
    this.name = options.name;
    this.stopTimeoutMs = options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    this.stopSignal = options.stopSignal ?? 'SIGTERM';
    const [command, args] = launchCommand(options);
    const log = createWriteStream(options.logFile, { flags: 'a' });
    this.child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.pipe(log);
    this.child.stderr?.pipe(log);
    this.exited = new Promise((resolve, reject) => {
      this.child.once('error', (error) => reject(new StackError(`could not start ${this.name} (${options.command}): ${error.message}`, { cause: error })));
      this.child.once('exit', (code, signal) => {
        this.exitCode = code;
        this.signalCode = signal;
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

  /** The signal that ended the process, once it ended by one (e.g. SIGKILL). */
  get exitSignal(): NodeJS.Signals | null {
    return this.signalCode;
  }

  get isRunning(): boolean {
    return this.exitCode === undefined && this.child.pid !== undefined;
  }

  /** Sends a signal without waiting (tests use SIGKILL/SIGSTOP to simulate failures). */
  signal(signal: NodeJS.Signals): void {
    if (this.isRunning) this.child.kill(signal);
  }

  /** The stop signal (SIGTERM by default), then SIGKILL if the process has not exited within stopTimeoutMs. */
  async stop(): Promise<void> {
    if (!this.isRunning) return;
    this.child.kill(this.stopSignal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), this.stopTimeoutMs);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The command line: through setpriv where it exists, to die with its parent and, if asked, to drop root. */
function launchCommand(options: ManagedProcessOptions): [string, string[]] {
  if (options.user && !hasSetpriv) throw new StackError(`${options.name} must run as an unprivileged user, which needs setpriv (util-linux)`);
  if (!hasSetpriv) return [options.command, options.args];
  return ['setpriv', [...(options.user ? setprivUserArgs(options.user) : []), '--pdeathsig', 'SIGKILL', '--', options.command, ...options.args]];
}

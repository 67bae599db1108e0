import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureDebianPackage } from './debian-package';
import { StackError } from './errors';
import { getFreePort } from './free-port';
import { ManagedProcess, setprivUserArgs, type ProcessUser } from './managed-process';
import { waitFor } from './wait';

const run = promisify(execFile);
/** Where Debian's postgresql-<version> packages put the server programs. */
const DEBIAN_POSTGRES_ROOT = '/usr/lib/postgresql';
/** PostgreSQL refuses to run as root; a root stack runs it as this user. */
const UNPRIVILEGED_USER = 'nobody';
const SUPERUSER = 'postgres';
const STARTUP_TIMEOUT_MS = 60_000;
const INITDB_TIMEOUT_MS = 120_000;
/**
 * A throw-away test database: nothing needs to survive a crash, so every
 * durability setting that costs a disk flush is off.
 */
const SERVER_SETTINGS = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'listen_addresses=127.0.0.1'];

export interface PostgresHandle {
  /** `postgresql://postgres@127.0.0.1:<port>/postgres`, trust authentication on loopback. */
  url: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  workDir: string;
  log: (message: string) => void;
}

/**
 * Starts a PostgreSQL server of our own: Debian's server programs (the
 * `postgresql` package, installed with apt-get when missing), a cluster made
 * by initdb inside the work directory, listening on a free loopback port
 * (never the machine's 5432) with its socket in the work directory. Run by
 * root, the server runs as `nobody`.
 */
export async function startPostgres(options: StartPostgresOptions): Promise<PostgresHandle> {
  ensureDebianPackage({ name: 'postgresql', isInstalled: () => postgresBinDir() !== undefined, otherwise: 'set PG_URL' }, options.log);
  const bin = postgresBinDir() as string;
  const user = process.getuid?.() === 0 ? unprivilegedUser() : undefined;
  const dir = join(options.workDir, 'postgres');
  const [dataDir, socketDir] = [join(dir, 'data'), join(dir, 'socket')];
  for (const d of [dir, socketDir]) mkdirSync(d, { recursive: true });
  if (user) {
    // The work directory is root's and private: the server's user may pass through it, not list it.
    chmodSync(options.workDir, 0o711);
    for (const d of [dir, socketDir]) chownSync(d, user.uid, user.gid);
  }
  await initdb(bin, dataDir, user);

  const port = await getFreePort();
  const settings = [...SERVER_SETTINGS, `unix_socket_directories=${socketDir}`].flatMap((setting) => ['-c', setting]);
  const server = ManagedProcess.start({
    name: 'postgres',
    command: join(bin, 'postgres'),
    args: ['-D', dataDir, '-p', String(port), ...settings],
    logFile: join(options.workDir, 'postgres.log'),
    // SIGTERM is PostgreSQL's "smart" shutdown, which waits for every client to leave; SIGINT ends their sessions.
    stopSignal: 'SIGINT',
    ...(user ? { user } : {}),
  });
  const url = `postgresql://${SUPERUSER}@127.0.0.1:${port}/postgres`;
  try {
    await waitFor(async () => (await run(join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port), '-U', SUPERUSER]), true), {
      description: `PostgreSQL on port ${port} to accept connections`,
      timeoutMs: STARTUP_TIMEOUT_MS,
      intervalMs: 250,
      failFast: () => (server.isRunning ? undefined : new StackError('PostgreSQL exited during start-up (see postgres.log)')),
    });
  } catch (error) {
    await server.stop();
    throw error;
  }
  options.log(`postgres: listening on ${url}${user ? ` (as ${UNPRIVILEGED_USER})` : ''}`);
  return { url, process: server, stop: () => server.stop() };
}

/** The bin directory of the newest PostgreSQL Debian installed, if any. */
function postgresBinDir(): string | undefined {
  if (!existsSync(DEBIAN_POSTGRES_ROOT)) return undefined;
  const versions = readdirSync(DEBIAN_POSTGRES_ROOT)
    .filter((version) => existsSync(join(DEBIAN_POSTGRES_ROOT, version, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(DEBIAN_POSTGRES_ROOT, versions[0], 'bin');
}

function unprivilegedUser(): ProcessUser {
  const id = (flag: string) => Number(execFileSync('id', [flag, UNPRIVILEGED_USER], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

async function initdb(bin: string, dataDir: string, user: ProcessUser | undefined): Promise<void> {
  const initdbArgs = ['-D', dataDir, '-U', SUPERUSER, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions'];
  const [command, args] = user
    ? ['setpriv', [...setprivUserArgs(user), '--', join(bin, 'initdb'), ...initdbArgs]]
    : [join(bin, 'initdb'), initdbArgs];
  try {
    await run(command, args, { timeout: INITDB_TIMEOUT_MS, env: { ...process.env, LC_ALL: 'C' } });
  } catch (error) {
    const output = error && typeof error === 'object' && 'stderr' in error ? String(error.stderr) : String(error);
    throw new StackError(`initdb of the test PostgreSQL cluster failed: ${output}`, { cause: error });
  }
}

import { execFileSync } from 'node:child_process';
import { StackError } from './errors';

export interface DebianPackage {
  /** Debian package name, e.g. `redis-server`. */
  name: string;
  /** Whether what the stack needs from it is already there. */
  isInstalled: () => boolean;
  /** What to do instead when the package is missing and this user cannot install it. */
  otherwise: string;
}

/**
 * Installs a Debian package with apt-get when what the stack needs from it
 * is missing: the stack installs what it runs, never relying on a machine
 * set up by hand. Only root can; anyone else is told what to run.
 */
export function ensureDebianPackage(pkg: DebianPackage, log: (message: string) => void): void {
  if (pkg.isInstalled()) return;
  if (process.getuid?.() !== 0) {
    throw new StackError(`${pkg.name} is not installed and this user cannot install it: run \`sudo apt-get install -y ${pkg.name}\`, or ${pkg.otherwise}`);
  }
  log(`installing Debian package ${pkg.name}`);
  try {
    execFileSync('apt-get', ['update'], { stdio: 'ignore' });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', pkg.name], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (error) {
    throw new StackError(`apt-get install ${pkg.name} failed: ${String(error)}`, { cause: error });
  }
  if (!pkg.isInstalled()) throw new StackError(`apt-get installed ${pkg.name}, but the stack still does not find it`);
}

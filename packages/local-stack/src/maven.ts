import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { StackError } from './errors';

const run = promisify(execFile);
const OUTPUT_TAIL_CHARS = 2_000;
const MAVEN_TIMEOUT_MS = 10 * 60_000;

/** Runs Maven in batch mode; a failure names the command and the end of its output. */
export async function runMaven(pom: string, goals: string[]): Promise<void> {
  try {
    await run('mvn', ['-q', '-B', '-f', pom, ...goals], { timeout: MAVEN_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const output = error && typeof error === 'object' && 'stdout' in error ? `${String(error.stdout)}${String((error as { stderr?: unknown }).stderr ?? '')}` : String(error);
    throw new StackError(`mvn ${goals.join(' ')} -f ${pom} failed (is Maven installed and Maven Central reachable?): ${output.slice(-OUTPUT_TAIL_CHARS)}`, { cause: error });
  }
}

/**
 * The runtime classpath of a pom's dependencies, resolved by Maven (jars land
 * in the local Maven repository) and cached per pom content, so a second start
 * does not run Maven at all.
 */
export async function resolveClasspath(pom: string, cacheDir: string): Promise<string> {
  const hash = createHash('sha256').update(readFileSync(pom)).digest('hex').slice(0, 16);
  const cacheFile = join(cacheDir, `classpath-${hash}.txt`);
  if (!isUsableClasspath(cacheFile)) {
    mkdirSync(cacheDir, { recursive: true });
    await runMaven(pom, ['dependency:build-classpath', `-Dmdep.outputFile=${cacheFile}`, '-Dmdep.includeScope=runtime']);
  }
  return readFileSync(cacheFile, 'utf8').trim();
}

function isUsableClasspath(file: string): boolean {
  if (!existsSync(file)) return false;
  const entries = readFileSync(file, 'utf8').trim().split(':');
  return entries.length > 0 && entries.every((jar) => existsSync(jar));
}

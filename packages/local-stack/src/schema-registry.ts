import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StackError } from './errors';
import { getFreePort } from './free-port';
import { ManagedProcess } from './managed-process';
import { runMaven } from './maven';
import { waitFor } from './wait';

const PACKAGE_ROOT = resolve(__dirname, '..');
const REGISTRY_POM = join(PACKAGE_ROOT, 'registry', 'pom.xml');
/** Where the pom unpacks the Apicurio distribution (its `registry.dir` property). */
const REGISTRY_DIR = join(PACKAGE_ROOT, 'registry', 'target', 'apicurio-registry');
/** Hash of the pom that produced REGISTRY_DIR: a changed pom means a new unpack. */
const STAMP_FILE = join(REGISTRY_DIR, '.pom-sha256');
/** Apicurio serves the Confluent Schema Registry REST API under this prefix. */
const CCOMPAT_PATH = '/apis/ccompat/v7';
const STARTUP_TIMEOUT_MS = 180_000;
const PROBE_TIMEOUT_MS = 2_000;
const LOG_TAIL_CHARS = 2_000;
const LOG_FLUSH_DELAY_MS = 250;
/**
 * The registry holds a few small schemas: its heap stays under 60 MB, so a
 * 256 MB cap is ample. Serial GC and C1-only JIT start it about a second
 * faster and leave the 2 cores to Kafka and the code under test.
 */
const JVM_OPTIONS = ['-Xms64m', '-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true'];

export interface SchemaRegistryHandle {
  /** Base URL of the Confluent-compatible API: the `host` of @kafkajs/confluent-schema-registry. */
  url: string;
  stop(): Promise<void>;
}

export interface StartSchemaRegistryOptions {
  workDir: string;
  log: (message: string) => void;
}

/**
 * Starts a real Apicurio Registry (the official distribution from Maven
 * Central) on a free loopback port, with in-memory H2 storage, so every start
 * is empty, and waits until its Confluent-compatible API lists subjects.
 */
export async function startSchemaRegistry(options: StartSchemaRegistryOptions): Promise<SchemaRegistryHandle> {
  const jar = await ensureRegistryUnpacked(options.log);
  const port = await getFreePort();
  const tmpDir = join(options.workDir, 'schema-registry-tmp');
  mkdirSync(tmpDir, { recursive: true });
  const logFile = join(options.workDir, 'schema-registry.log');
  const jvm = ManagedProcess.start({
    name: 'schema-registry',
    command: 'java',
    args: [...JVM_OPTIONS, ...registryProperties(port, tmpDir), '-jar', jar],
    cwd: REGISTRY_DIR,
    logFile,
  });
  const url = `http://127.0.0.1:${port}${CCOMPAT_PATH}`;
  options.log(`schema-registry: starting Apicurio Registry on ${url} (log in ${logFile})`);
  try {
    await waitForSubjects(url, jvm, logFile);
  } catch (error) {
    await jvm.stop();
    throw error;
  }
  return { url, stop: () => jvm.stop() };
}

/** Quarkus runtime settings, passed as system properties. */
function registryProperties(port: number, tmpDir: string): string[] {
  return [
    // Loopback only: nothing outside this machine should reach a test registry.
    '-Dquarkus.http.host=127.0.0.1',
    `-Dquarkus.http.port=${port}`,
    // Vert.x caches and Apicurio's import/snapshot files would otherwise pile up in /tmp.
    `-Djava.io.tmpdir=${tmpDir}`,
    `-Dapicurio.import.work-dir=${tmpDir}`,
    `-Dapicurio.storage.snapshot.location=${tmpDir}`,
  ];
}

/**
 * Unpacks the registry distribution with Maven unless the unpacked copy was
 * made from the same pom, so a second start does not run Maven at all.
 * Returns the jar to run.
 */
async function ensureRegistryUnpacked(log: (message: string) => void): Promise<string> {
  const pomHash = createHash('sha256').update(readFileSync(REGISTRY_POM)).digest('hex');
  const cached = findRunnableJar();
  if (cached && readStamp() === pomHash) return cached;

  log(`schema-registry: fetching Apicurio Registry from Maven Central into ${REGISTRY_DIR} (first start only)`);
  // A stale or half-unpacked copy could mix jars of two versions: start clean.
  rmSync(REGISTRY_DIR, { recursive: true, force: true });
  await runMaven(REGISTRY_POM, ['generate-resources']);
  const jar = findRunnableJar();
  if (!jar) throw new StackError(`mvn generate-resources -f ${REGISTRY_POM} left no runnable jar in ${REGISTRY_DIR}`);
  // Written last: its presence means the unpack completed.
  writeFileSync(STAMP_FILE, pomHash);
  return jar;
}

function readStamp(): string | undefined {
  return existsSync(STAMP_FILE) ? readFileSync(STAMP_FILE, 'utf8').trim() : undefined;
}

/**
 * Quarkus ships either a fast-jar (quarkus-run.jar, Apicurio 3.1+) or a
 * legacy jar (*-runner.jar, Apicurio 3.0); accepting both lets the pom's
 * version change without touching this file.
 */
function findRunnableJar(): string | undefined {
  if (!existsSync(REGISTRY_DIR)) return undefined;
  const fastJar = join(REGISTRY_DIR, 'quarkus-run.jar');
  if (existsSync(fastJar)) return fastJar;
  const runner = readdirSync(REGISTRY_DIR).find((name) => name.endsWith('-runner.jar'));
  return runner === undefined ? undefined : join(REGISTRY_DIR, runner);
}

async function waitForSubjects(url: string, jvm: ManagedProcess, logFile: string): Promise<void> {
  // waitFor retries a check that throws, so an exited JVM is reported as a
  // result instead: it ends the wait at once rather than at the deadline.
  const outcome = await waitFor<'ready' | 'exited'>(
    async () => {
      if (!jvm.isRunning) return 'exited';
      const response = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      return response.status === 200 ? 'ready' : false;
    },
    { description: `the schema registry at ${url} to list its subjects`, timeoutMs: STARTUP_TIMEOUT_MS, intervalMs: 250 },
  );
  if (outcome === 'exited') {
    // The exit event can come before the piped output has reached the log file.
    await new Promise((resolve) => setTimeout(resolve, LOG_FLUSH_DELAY_MS));
    throw new StackError(`the schema registry exited during start-up; end of ${logFile}:\n${logTail(logFile)}`);
  }
}

/** The end of the JVM's log, so CI output shows why it died. */
function logTail(logFile: string): string {
  return existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-LOG_TAIL_CHARS) : '(no log)';
}

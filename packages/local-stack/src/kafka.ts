import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { StackError } from './errors';
import { getFreePort } from './free-port';
import { ManagedProcess } from './managed-process';
import { resolveClasspath } from './maven';
import { waitFor } from './wait';

const run = promisify(execFile);
const PACKAGE_ROOT = resolve(__dirname, '..');
const KAFKA_POM = join(PACKAGE_ROOT, 'kafka', 'pom.xml');
const LOG4J_CONFIG = join(PACKAGE_ROOT, 'kafka', 'log4j2.properties');
const CACHE_DIR = join(PACKAGE_ROOT, '.cache');
const STARTUP_TIMEOUT_MS = 120_000;
/** Enough for the tests and the benchmarks on a 2-core machine, small enough to share it. */
const JVM_OPTIONS = ['-Xms256m', '-Xmx1g', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true'];

export interface KafkaHandle {
  /** host:port of the PLAINTEXT listener. */
  brokers: string[];
  /** host:port of each extra listener (`StartKafkaOptions.listeners`), by name. */
  listeners: Record<string, string>;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** A broker listener besides PLAINTEXT and CONTROLLER, on a free loopback port. */
export interface KafkaListener {
  /** Upper-case listener name, e.g. `SASL_SSL`; its settings are `listener.name.<lower-case name>.*`. */
  name: string;
  securityProtocol: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
}

export interface StartKafkaOptions {
  workDir: string;
  log: (message: string) => void;
  /** Extra client listeners (e.g. SASL, TLS); PLAINTEXT stays the inter-broker listener. */
  listeners?: KafkaListener[];
  /** Extra server.properties lines, e.g. `sasl.enabled.mechanisms=SCRAM-SHA-256`. */
  extraProperties?: string[];
  /** Extra `kafka-storage format` arguments, e.g. `--add-scram` to create SCRAM users before the first start. */
  formatArguments?: string[];
}

/**
 * Starts one combined broker+controller Apache Kafka node in KRaft mode from
 * the official jars (resolved from Maven Central), on free ports with a fresh
 * data directory, and waits until it answers a metadata request.
 */
export async function startKafka(options: StartKafkaOptions): Promise<KafkaHandle> {
  const classpath = await resolveClasspath(KAFKA_POM, CACHE_DIR);
  const [brokerPort, controllerPort] = [await getFreePort(), await getFreePort()];
  const listeners: Record<string, string> = {};
  for (const listener of options.listeners ?? []) listeners[listener.name] = `127.0.0.1:${await getFreePort()}`;
  const dataDir = join(options.workDir, 'kafka-data');
  mkdirSync(dataDir, { recursive: true });
  const propertiesFile = join(options.workDir, 'server.properties');
  writeFileSync(propertiesFile, serverProperties(brokerPort, controllerPort, dataDir, { listeners: options.listeners ?? [], addresses: listeners, extraProperties: options.extraProperties ?? [] }));
  await formatStorage(classpath, propertiesFile, options.formatArguments ?? []);

  const process = ManagedProcess.start({
    name: 'kafka',
    command: 'java',
    args: [...JVM_OPTIONS, `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`, '-cp', classpath, 'kafka.Kafka', propertiesFile],
    logFile: join(options.workDir, 'kafka.log'),
  });
  const brokers = [`127.0.0.1:${brokerPort}`];
  options.log(`kafka: starting broker on ${brokers[0]} (data in ${dataDir})`);
  try {
    await waitForMetadata(brokers, process);
  } catch (error) {
    await process.stop();
    throw error;
  }
  return { brokers, listeners, process, stop: () => process.stop() };
}

interface ExtraSettings {
  listeners: KafkaListener[];
  addresses: Record<string, string>;
  extraProperties: string[];
}

function serverProperties(brokerPort: number, controllerPort: number, dataDir: string, extra: ExtraSettings): string {
  const listeners = extra.listeners.map((l) => `,${l.name}://${extra.addresses[l.name]}`).join('');
  const protocols = extra.listeners.map((l) => `,${l.name}:${l.securityProtocol}`).join('');
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${brokerPort},CONTROLLER://127.0.0.1:${controllerPort}${listeners}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${brokerPort}${listeners}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${protocols}`,
    `log.dirs=${dataDir}`,
    // One node: every internal topic must live with a single replica.
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=4',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=4',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    // Tests create and join many short-lived groups: no initial rebalance delay.
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'num.partitions=1',
    // Compaction should be observable in tests, not after hours.
    'log.cleaner.backoff.ms=1000',
    ...extra.extraProperties,
    '',
  ].join('\n');
}

async function formatStorage(classpath: string, propertiesFile: string, extraArguments: string[]): Promise<void> {
  const java = (args: string[]) => run('java', ['-cp', classpath, `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`, 'kafka.tools.StorageTool', ...args]);
  try {
    const { stdout: clusterId } = await java(['random-uuid']);
    await java(['format', '-t', clusterId.trim(), '-c', propertiesFile, ...extraArguments]);
  } catch (error) {
    throw new StackError(`could not format the Kafka storage directory: ${String(error)}`, { cause: error });
  }
}

async function waitForMetadata(brokers: string[], process: ManagedProcess): Promise<void> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  try {
    await waitFor(
      async () => {
        await admin.connect();
        const cluster = await admin.describeCluster();
        return cluster.brokers.length > 0;
      },
      {
        description: `the Kafka broker at ${brokers.join(',')} to answer a metadata request`,
        timeoutMs: STARTUP_TIMEOUT_MS,
        intervalMs: 250,
        failFast: () => (process.isRunning ? undefined : new StackError('the Kafka broker exited during start-up (see kafka.log)')),
      },
    );
  } finally {
    await admin.disconnect();
  }
}

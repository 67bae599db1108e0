#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './errors';
import { canListen } from './free-port';
import { answersReady, DEV_ADMIN_TOKEN, LOCAL_SERVICES, serviceMain, type LocalService } from './local-services';
import { ManagedProcess } from './managed-process';
import { startStack, stackEnvironment } from './stack';
import { SupervisedService } from './supervisor';
import { waitFor } from './wait';

/**
 * `abtest-stack up [--services a,b]`: starts Kafka, Redis and the schema
 * registry, then every built service (services/<name>/dist/main.js) with the
 * stack's environment under a supervisor (a crashed service is restarted with
 * backoff), prints "Ready." once every service's /readyz answers 200, and
 * stops everything on SIGINT or SIGTERM. A stop because of a failure keeps
 * the work directory (logs and the broker's data).
 */
/** JVM start-up, topic creation, group joins and restores on a busy 2-core machine. */
const READY_TIMEOUT_MS = 240_000;
const READY_POLL_MS = 500;

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

function parseServices(argv: string[]): LocalService[] {
  const index = argv.indexOf('--services');
  if (index === -1) return [...LOCAL_SERVICES];
  const value = argv[index + 1];
  if (!value) throw new StackError('--services needs a comma-separated list of service names, e.g. --services ingress,processor');
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((name) => {
      const service = LOCAL_SERVICES.find((s) => s.name === name);
      if (!service) throw new StackError(`--services: unknown service "${name}", expected some of ${LOCAL_SERVICES.map((s) => s.name).join(', ')}`);
      return service;
    });
}

/** A port already taken would let another program answer this service's /readyz. */
async function checkPortsFree(services: LocalService[], env: NodeJS.ProcessEnv): Promise<void> {
  for (const service of services) {
    const port = service.port(env);
    if (!(await canListen(port))) throw new StackError(`port ${port} of service ${service.name} is in use: stop what listens there or choose another port for it (see its README)`);
  }
}

async function up(argv: string[]): Promise<void> {
  const wanted = parseServices(argv).filter((service) => {
    const built = existsSync(serviceMain(service.name));
    if (!built) log(`service ${service.name}: not built (${serviceMain(service.name)}); skipped`);
    return built;
  });
  const baseEnv: NodeJS.ProcessEnv = { ADMIN_TOKEN: DEV_ADMIN_TOKEN, ...process.env };
  await checkPortsFree(wanted, baseEnv);

  const supervised: SupervisedService[] = [];
  let stopping: Promise<void> | undefined;
  const shutdown = (code: number, why: string): Promise<void> =>
    (stopping ??= (async () => {
      log(`stopping (${why})…`);
      for (const service of supervised.reverse()) await service.stop();
      const keepWorkDir = code !== 0;
      // A signal during start-up waits for the stack to have started, then stops it.
      const stack = await starting.catch(() => undefined);
      await stack?.stop({ keepWorkDir });
      log(keepWorkDir && stack ? `stopped; logs and data kept in ${stack.workDir}` : 'stopped: no process or port left behind');
      process.exit(code);
    })());
  // Registered before anything starts: a signal during start-up stops what started, once it has.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void shutdown(0, signal));

  // Signals are handled on the event loop: none can arrive before this line.
  const starting = startStack({ log, keepWorkDir: false });
  const stack = await starting;
  if (stopping) return;
  const env: NodeJS.ProcessEnv = { ...baseEnv, ...stackEnvironment(stack) };
  log('');
  log(`Kafka brokers:    ${stack.kafkaBrokers.join(',')} (${stack.provenance.kafkaBrokers})`);
  log(`Redis:            ${stack.redisUrl} (${stack.provenance.redisUrl})`);
  log(`Schema registry:  ${stack.schemaRegistryUrl} (${stack.provenance.schemaRegistryUrl})`);
  log(`Work directory:   ${stack.workDir} (logs; the broker's data in kafka-data)`);
  for (const service of wanted) {
    const logFile = join(stack.workDir, `${service.name}.log`);
    const start = () => ManagedProcess.start({ name: service.name, command: process.execPath, args: [serviceMain(service.name)], env, logFile });
    const supervisor = new SupervisedService({ name: service.name, start, log, onGiveUp: (reason) => void shutdown(1, reason) });
    supervised.push(supervisor);
    log(`service ${service.name}: started (pid ${supervisor.pid}, log: ${logFile})`);
    log(`  ${service.hint(env)}`);
  }
  log(`results topic: ${env.RESULTS_TOPIC ?? 'experiment-results'} on ${stack.kafkaBrokers.join(',')} (Avro, schemas in ${stack.schemaRegistryUrl}; see services/results/README.md for kcat and kafkajs)`);
  try {
    await waitFor(async () => (await Promise.all(wanted.map((service) => answersReady(service.port(env))))).every(Boolean), {
      description: `every service (${wanted.map((s) => `${s.name} on ${s.port(env)}`).join(', ')}) to answer GET /readyz with 200`,
      timeoutMs: READY_TIMEOUT_MS,
      intervalMs: READY_POLL_MS,
      failFast: () => (stopping ? new StackError('stopped during start-up') : undefined),
    });
  } catch (error) {
    return shutdown(stopping ? 0 : 1, error instanceof Error ? error.message : String(error));
  }
  log('');
  log('Ready. Press Ctrl-C to stop everything.');
}

const [command, ...rest] = process.argv.slice(2);
if (command !== 'up') {
  process.stderr.write('usage: abtest-stack up [--services ingress,processor,results]\n');
  process.exit(2);
}
up(rest).catch((error: unknown) => {
  process.stderr.write(`abtest-stack: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ManagedProcess } from './managed-process';
import { startStack, stackEnvironment } from './stack';

/**
 * `abtest-stack up [--services a,b]`: starts Kafka, Redis and the schema
 * registry, then every built service (services/<name>/dist/main.js) with the
 * stack's environment, prints where to send events and read results, and
 * stops everything on Ctrl-C or SIGTERM.
 */
const REPO_ROOT = resolve(__dirname, '..', '..', '..');
const DEFAULT_SERVICES = ['ingress', 'processor', 'results'];
/** The processor's definitions admin API token of a local stack, unless ADMIN_TOKEN is set. */
const DEV_ADMIN_TOKEN = 'dev-admin-token-local';
/** Where each service can be reached with its default port (overridable by the variable named). */
const SERVICE_HINTS: Record<string, (env: NodeJS.ProcessEnv) => string> = {
  ingress: (env) =>
    `POST Segment events to http://127.0.0.1:${env.INGRESS_PORT ?? env.PORT ?? 8080}/v1/webhook (or /v1/batch, /v1/track, ...)` +
    (env.INGRESS_SOURCES ? '' : ', write key "dev-write-key" (HTTP Basic user) while INGRESS_SOURCES is unset'),
  processor: (env) =>
    `results of one experiment: GET http://127.0.0.1:${env.PROCESSOR_PORT ?? 8081}/experiments/<experiment id>; ` +
    `definitions: PUT http://127.0.0.1:${env.PROCESSOR_PORT ?? 8081}/admin/metrics/<id> (Authorization: Bearer ${env.ADMIN_TOKEN ?? DEV_ADMIN_TOKEN})`,
  results: (env) => `live dashboard: http://127.0.0.1:${env.RESULTS_PORT ?? 8082}/ (JSON API under /api, OpenAPI at /openapi.json)`,
};

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

function parseServices(argv: string[]): string[] {
  const index = argv.indexOf('--services');
  if (index === -1) return DEFAULT_SERVICES;
  const value = argv[index + 1];
  if (!value) throw new Error('--services needs a comma-separated list of service names, e.g. --services ingress,processor');
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

async function up(argv: string[]): Promise<void> {
  const serviceNames = parseServices(argv);
  const stack = await startStack({ log, keepWorkDir: false });
  const env: NodeJS.ProcessEnv = { ADMIN_TOKEN: DEV_ADMIN_TOKEN, ...process.env, ...stackEnvironment(stack) };
  const services: ManagedProcess[] = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log('stopping…');
    for (const service of services.reverse()) await service.stop();
    await stack.stop();
    log('stopped: no process or port left behind');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  log('');
  log(`Kafka brokers:    ${stack.kafkaBrokers.join(',')} (${stack.provenance.kafkaBrokers})`);
  log(`Redis:            ${stack.redisUrl} (${stack.provenance.redisUrl})`);
  log(`Schema registry:  ${stack.schemaRegistryUrl} (${stack.provenance.schemaRegistryUrl})`);
  for (const name of serviceNames) {
    const main = join(REPO_ROOT, 'services', name, 'dist', 'main.js');
    if (!existsSync(main)) {
      log(`service ${name}: not built or not present yet (${main}); skipped`);
      continue;
    }
    const service = ManagedProcess.start({ name, command: process.execPath, args: [main], env, logFile: join(stack.workDir, `${name}.log`) });
    services.push(service);
    void service.exited.then((code) => {
      if (!stopping) {
        log(`service ${name} exited with code ${code}; see ${join(stack.workDir, `${name}.log`)}`);
        void shutdown(1);
      }
    });
    log(`service ${name}: started (log: ${join(stack.workDir, `${name}.log`)})`);
    const hint = SERVICE_HINTS[name];
    if (hint) log(`  ${hint(env)}`);
  }
  log(`results topic: ${env.RESULTS_TOPIC ?? 'experiment-results'} on ${stack.kafkaBrokers.join(',')} (Avro, schemas in ${stack.schemaRegistryUrl}; see services/results/README.md for kcat and kafkajs)`);
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

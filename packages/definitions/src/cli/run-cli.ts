import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createKafka, KafkaIoError } from '@abtest/kafka-io';
import { KafkaJSError, type Kafka } from 'kafkajs';
import { DefinitionError } from '../errors';
import { parseExperimentDefinition } from '../experiment';
import { ROOT_PATH } from '../issues';
import { definitionKey, type DefinitionKind } from '../keys';
import { parseMetricDefinition } from '../metric';
import { readDefinitions } from '../read-definitions';
import { DefinitionsWriter } from '../writer';
import { cliConfig, CliConfigError } from './config';

/** Exit codes, after sysexits.h where one fits. */
export const EXIT = {
  ok: 0,
  failed: 1,
  /** The definition (or id) is invalid: nothing was written. */
  invalidDefinition: 2,
  usage: 64,
  /** The input file cannot be read. */
  noInput: 66,
  /** Kafka could not be reached or refused the request. */
  unavailable: 69,
  /** A variable of the environment is wrong. */
  config: 78,
} as const;

export const USAGE = `Usage: abtest-definitions <command>

Commands:
  put-experiment <file.json|->   validate and write an experiment definition (- reads stdin)
  put-metric <file.json|->       validate and write a metric definition
  delete-experiment <id>         write a tombstone for an experiment
  delete-metric <id>             write a tombstone for a metric
  list                           print every definition on the topic as JSON

Environment: KAFKA_BROKERS (required), the other KAFKA_* variables of @abtest/kafka-io,
DEFINITIONS_TOPIC (default experiment-definitions).
Exit codes: 0 ok, 2 invalid definition, 64 usage, 66 unreadable input, 69 Kafka unavailable, 78 configuration.
`;

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  stdin: AsyncIterable<Buffer | string>;
  env: NodeJS.ProcessEnv;
}

class UsageError extends Error {
  override readonly name = 'UsageError';
}

class InputError extends Error {
  override readonly name = 'InputError';
}

type Command = (args: string[], io: CliIo) => Promise<void>;

const COMMANDS: Record<string, { arity: number; run: Command }> = {
  'put-experiment': { arity: 1, run: ([file = '-'], io) => put(file, io, parseExperimentDefinition, (writer, input) => writer.putExperiment(input)) },
  'put-metric': { arity: 1, run: ([file = '-'], io) => put(file, io, parseMetricDefinition, (writer, input) => writer.putMetric(input)) },
  'delete-experiment': { arity: 1, run: ([id = ''], io) => remove('experiment', id, io) },
  'delete-metric': { arity: 1, run: ([id = ''], io) => remove('metric', id, io) },
  list: { arity: 0, run: (_args, io) => list(io) },
};

/** Runs one command; resolves to the exit code. Every failure is reported on stderr. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    const { positionals, values } = parseArguments(argv);
    if (values.help) {
      io.stdout.write(USAGE);
      return EXIT.ok;
    }
    const [name, ...args] = positionals;
    const command = name === undefined ? undefined : COMMANDS[name];
    if (!command) throw new UsageError(name === undefined ? 'no command given' : `unknown command "${name}"`);
    if (args.length !== command.arity) throw new UsageError(`${name} takes ${command.arity === 0 ? 'no arguments' : `${command.arity} argument`}, got ${args.length}`);
    await command.run(args, io);
    return EXIT.ok;
  } catch (error) {
    return report(error, io);
  }
}

function parseArguments(argv: string[]) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    // parseArgs throws only for unknown or malformed options.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function report(error: unknown, io: CliIo): number {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UsageError) {
    io.stderr.write(`${message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  io.stderr.write(`${message}\n`);
  if (error instanceof DefinitionError) return EXIT.invalidDefinition;
  if (error instanceof InputError) return EXIT.noInput;
  if (error instanceof CliConfigError) return EXIT.config;
  if (error instanceof KafkaIoError || error instanceof KafkaJSError) return EXIT.unavailable;
  return EXIT.failed;
}

async function put<T>(source: string, io: CliIo, validate: (input: unknown) => T, write: (writer: DefinitionsWriter, input: unknown) => Promise<T>): Promise<void> {
  const input = parseJson(await readInput(source, io), source);
  // Validated before connecting: an invalid file fails the same with or without Kafka.
  validate(input);
  const written = await withWriter(io, (writer) => write(writer, input));
  io.stdout.write(`${JSON.stringify(written, null, 2)}\n`);
}

async function remove(kind: DefinitionKind, id: string, io: CliIo): Promise<void> {
  // Validated before connecting, as definitions are.
  const key = definitionKey(kind, id);
  await withWriter(io, (writer) => (kind === 'experiment' ? writer.deleteExperiment(id) : writer.deleteMetric(id)));
  io.stdout.write(`${JSON.stringify({ deleted: key })}\n`);
}

async function list(io: CliIo): Promise<void> {
  const { kafka, topic } = connect(io);
  const catalog = await readDefinitions(kafka, topic, {
    onInvalid: (error, record) => io.stderr.write(`skipped invalid record at ${topic}/${record.partition}@${record.offset}: ${error.message}\n`),
  });
  io.stdout.write(`${JSON.stringify({ experiments: catalog.experiments(), metrics: catalog.metrics() }, null, 2)}\n`);
}

function connect(io: CliIo): { kafka: Kafka; topic: string } {
  const config = cliConfig(io.env);
  return { kafka: createKafka(config.kafka), topic: config.topic };
}

/** A writer on a topic that exists and is compacted (created when missing), closed afterwards. */
async function withWriter<T>(io: CliIo, use: (writer: DefinitionsWriter) => Promise<T>): Promise<T> {
  const { kafka, topic } = connect(io);
  const writer = new DefinitionsWriter(kafka, topic);
  try {
    const ensured = await writer.ensureTopic();
    for (const drift of ensured.configDrift) {
      io.stderr.write(`warning: topic ${drift.topic} has ${drift.name}=${drift.actual ?? '(unset)'}, expected ${drift.expected}: definitions may be deleted by retention\n`);
    }
    return await use(writer);
  } finally {
    await writer.close();
  }
}

async function readInput(source: string, io: CliIo): Promise<string> {
  if (source === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(source, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${source}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DefinitionError(`invalid definition in ${source === '-' ? 'stdin' : source}`, [{ path: ROOT_PATH, message: `must be JSON (${error instanceof Error ? error.message : String(error)})` }]);
  }
}

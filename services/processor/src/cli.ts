#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { generationsTopicOf, reprocess } from '@abtest/generations';
import { createKafka } from '@abtest/kafka-io';
import { createLogger } from '@abtest/observability';
import { loadConfig } from './config';

const USAGE = `usage: abtest-processor reprocess --reason <text> [--timeout-ms <ms>]

  Builds all state anew from the raw events topic under a new generation,
  beside the running processors, and waits until it has taken the results
  topics over (the old state is then deleted). Reads the processor's
  environment (KAFKA_BROKERS, PROCESSOR_APPLICATION_ID, EVENTS_TOPIC, ...).
  Exit 0 once the new generation is live; 1 on an error or timeout.`;

/** `abtest-processor`: operations on running processors. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'reprocess') {
    process.stderr.write(`${command === undefined || command === '--help' ? '' : `unknown command "${command}"\n`}${USAGE}\n`);
    return command === '--help' ? 0 : 2;
  }
  const { values } = parseArgs({ args: rest, options: { reason: { type: 'string' }, 'timeout-ms': { type: 'string' } } });
  if (!values.reason?.trim()) {
    process.stderr.write(`--reason is required: say why (a rule change, a bug fix); it is shown with the rebuild's progress\n${USAGE}\n`);
    return 2;
  }
  const timeoutMs = values['timeout-ms'] === undefined ? undefined : Number(values['timeout-ms']);
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) {
    process.stderr.write(`--timeout-ms must be a positive integer, got "${values['timeout-ms']}"\n`);
    return 2;
  }
  const config = loadConfig(process.env);
  // Logs go to stderr: stdout is the progress.
  const logger = createLogger({ name: 'abtest-processor', level: 'error', destination: process.stderr });
  let shown = '';
  const generation = await reprocess({
    kafka: createKafka(config.kafka, logger),
    logger,
    topic: generationsTopicOf(config.applicationId),
    eventsTopic: config.eventsTopic,
    reason: values.reason,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    pollMs: 250,
    onProgress: ({ generation: g, phase, progress }) => {
      const eta = progress?.eta_seconds === null || progress?.eta_seconds === undefined ? '' : `, ETA ${Math.ceil(progress.eta_seconds)} s`;
      const line = `generation ${g}: ${((progress?.progress ?? 0) * 100).toFixed(1)}% (${progress?.events_read ?? 0} of ${progress?.events_total ?? 0} events)${phase === 'switching' ? ': caught up, taking over' : eta}`;
      if (line !== shown) process.stdout.write(`${line}\n`);
      shown = line;
    },
  });
  process.stdout.write(`generation ${generation} is live; the previous generation's state is being deleted\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`abtest-processor: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);

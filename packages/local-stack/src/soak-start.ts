import { cpus } from 'node:os';
import { CliRun, CLI_ARGS, isolatedCliEnv, pgrep, servicePorts } from './cli-run';
import { answersReady } from './local-services';
import { ManagedProcess } from './managed-process';
import { StackError } from './errors';

/** A start slower than this is a failure: it is what a developer would give up on. */
const READY_TIMEOUT_MS = 240_000;
const STOP_TIMEOUT_MS = 60_000;

export interface SoakOptions {
  runs: number;
  /** Keep every core busy with a spin loop during the starts (the busy machine the start-up races showed on). */
  cpuLoad: boolean;
  log: (message: string) => void;
}

export interface SoakResult {
  runs: number;
  failures: Array<{ run: number; reason: string }>;
  /** Seconds from the CLI's start to "Ready.", of each run that got there. */
  readySeconds: number[];
}

/**
 * Starts the whole stack (`abtest-stack up`: Kafka, Redis, registry and the
 * three services) `runs` times in a row and stops it again. A run fails if
 * it does not print "Ready.", if a service had to be restarted on the way
 * (the supervisor would hide a start-up crash otherwise), if a /readyz does
 * not answer 200 at "Ready.", if the stop (SIGTERM and SIGINT in turn) does
 * not exit 0, or if any process of its work directory is left.
 */
export async function soakStart(options: SoakOptions): Promise<SoakResult> {
  const burners = options.cpuLoad
    ? cpus().map((_, i) => ManagedProcess.start({ name: `cpu-burner-${i}`, command: process.execPath, args: ['-e', 'for (;;) {}'], logFile: '/dev/null' }))
    : [];
  const result: SoakResult = { runs: options.runs, failures: [], readySeconds: [] };
  try {
    for (let run = 1; run <= options.runs; run++) {
      const started = Date.now();
      try {
        // Both ways a user or a process manager stops it: Ctrl-C and SIGTERM.
        const stopSignal = run % 2 === 1 ? 'SIGTERM' : 'SIGINT';
        await startOnce((seconds) => result.readySeconds.push(seconds), started, stopSignal);
        options.log(`run ${run}/${options.runs}: "Ready." after ${result.readySeconds.at(-1)?.toFixed(1)} s, stopped cleanly by ${stopSignal} ${((Date.now() - started) / 1000).toFixed(1)} s after the start`);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        result.failures.push({ run, reason });
        options.log(`run ${run}/${options.runs}: FAILED: ${reason}`);
      }
    }
  } finally {
    await Promise.all(burners.map((burner) => burner.stop()));
  }
  return result;
}

async function startOnce(onReady: (seconds: number) => void, started: number, stopSignal: NodeJS.Signals): Promise<void> {
  const env = await isolatedCliEnv();
  const run = new CliRun(process.execPath, CLI_ARGS, env);
  try {
    await run.waitForOutput(/^Ready\./m, READY_TIMEOUT_MS);
    onReady((Date.now() - started) / 1000);
    const answers = await Promise.all(Object.entries(servicePorts(env)).map(async ([name, port]) => [name, await answersReady(port)] as const));
    const failing = answers.filter(([, ready]) => !ready).map(([name]) => name);
    if (failing.length > 0) throw new StackError(`"Ready." printed while /readyz of ${failing.join(', ')} did not answer 200`);
    const restarts = run.output.match(/^service \S+ (exited|was killed).*$/gm);
    if (restarts) throw new StackError(`a service crashed during start-up: ${restarts.join('; ')}`);
    const workDir = run.workDir();
    run.signal(stopSignal);
    const exit = await Promise.race([run.exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), STOP_TIMEOUT_MS).unref())]);
    if (exit?.code !== 0) throw new StackError(`the stop after ${stopSignal} ended with ${exit ? `code ${exit.code}, signal ${exit.signal}` : 'no exit'}`);
    const left = pgrep(['-af', workDir]);
    if (left.length > 0) throw new StackError(`processes left after the stop: ${left.join('; ')}`);
  } catch (error) {
    throw new StackError(`${error instanceof Error ? error.message : String(error)}\n--- output ---\n${run.output.slice(-4_000)}`, { cause: error });
  } finally {
    run.killGroup();
  }
}

async function main(): Promise<void> {
  const runs = Number(process.env.SOAK_RUNS ?? 20);
  if (!Number.isInteger(runs) || runs < 1) throw new StackError(`SOAK_RUNS must be a positive integer, got ${process.env.SOAK_RUNS}`);
  const cpuLoad = process.env.SOAK_CPU_LOAD !== '0';
  const log = (message: string) => process.stdout.write(`${message}\n`);
  log(`soak: ${runs} starts of the whole stack in a row${cpuLoad ? `, with a spin loop on each of the ${cpus().length} cores` : ''}`);
  const result = await soakStart({ runs, cpuLoad, log });
  const sorted = [...result.readySeconds].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  log(`soak: to "Ready.": min ${sorted[0]?.toFixed(1)} s, median ${median?.toFixed(1)} s, max ${sorted.at(-1)?.toFixed(1)} s`);
  log(`soak: ${result.runs - result.failures.length} passed, ${result.failures.length} failed`);
  process.exit(result.failures.length === 0 ? 0 : 1);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`soak: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}

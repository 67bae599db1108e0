import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
// A relative import: the test harness is shared by every integration test, not a package.
import { testStackEnv, uniqueName } from '@abtest/test-harness';

/** The built CLI, run as a user runs it. */
const CLI = resolve(__dirname, '../../dist/cli.js');
/** Bounds each run: a CLI that does not exit fails the test instead of hanging it. */
const RUN_TIMEOUT_MS = 60_000;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], topic: string, stdin?: string): Promise<Run> {
  return new Promise((resolveRun, reject) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, KAFKA_BROKERS: testStackEnv().kafkaBrokers.join(','), DEFINITIONS_TOPIC: topic }, timeout: RUN_TIMEOUT_MS },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolveRun({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
    child.stdin?.end(stdin ?? '');
  });
}

function file(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'definitions-cli-')), 'definition.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('abtest-definitions > real Kafka', () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
  });

  it('should put a metric and an experiment, list them, delete one and list again', async () => {
    const topic = uniqueName('definitions-cli');
    const metric = await cli(['put-metric', file({ id: 'revenue', type: 'value', event: 'Order Completed', value_path: 'properties.revenue', cap: 500 })], topic);
    expect(metric).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(metric.stdout)).toMatchObject({ id: 'revenue', name: 'revenue', scope: 'local', filters: [] });

    const experiment = await cli(['put-experiment', '-'], topic, JSON.stringify({ id: 'checkout', variants: [{ id: 'A' }, { id: 'B' }], metrics: ['revenue'] }));
    expect(experiment).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(experiment.stdout)).toMatchObject({ id: 'checkout', control_variant_id: 'A' });

    const listed = await cli(['list'], topic);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual({ experiments: [JSON.parse(experiment.stdout)], metrics: [JSON.parse(metric.stdout)] });

    expect(await cli(['delete-experiment', 'checkout'], topic)).toMatchObject({ code: 0, stdout: '{"deleted":"experiment|checkout"}\n' });
    expect(JSON.parse((await cli(['list'], topic)).stdout)).toEqual({ experiments: [], metrics: [JSON.parse(metric.stdout)] });
  });

  it('should exit 2 for an invalid file, naming the path, and write nothing', async () => {
    const topic = uniqueName('definitions-cli');
    const invalid = await cli(['put-experiment', file({ id: 'checkout', variants: [{ id: 'A' }, { id: 'B', weight: -1 }], alpha: 0.9 })], topic);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toBe('invalid experiment definition "checkout": variants[1].weight: must be > 0; alpha: must be in (0, 0.5]\n');
    expect(invalid.stdout).toBe('');
    expect(JSON.parse((await cli(['list'], topic)).stdout)).toEqual({ experiments: [], metrics: [] });
  });

  it('should exit 64 with the usage for a wrong command line', async () => {
    const usage = await cli(['put-metric'], uniqueName('definitions-cli'));
    expect(usage.code).toBe(64);
    expect(usage.stderr).toContain('Usage: abtest-definitions');
  });
});

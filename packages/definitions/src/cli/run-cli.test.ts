import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { EXIT, runCli } from './run-cli';

/** Runs the CLI in-process; nothing here reaches Kafka (KAFKA_BROKERS points nowhere and is never needed). */
async function run(argv: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: Readable.from([Buffer.from(stdin)]),
    env: { KAFKA_BROKERS: '127.0.0.1:1' },
  });
  return { code, stdout, stderr };
}

function file(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'definitions-cli-')), 'definition.json');
  writeFileSync(path, content);
  return path;
}

describe('abtest-definitions > without Kafka', () => {
  it('should print the usage for --help', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toContain('put-experiment <file.json|->');
  });

  it.each([[[]], [['publish']], [['put-metric']], [['list', 'extra']], [['delete-metric', 'a', 'b']], [['list', '--verbose']]])('should refuse %j with exit 64 and the usage', async (argv) => {
    const { code, stderr, stdout } = await run(argv);
    expect(code).toBe(EXIT.usage);
    expect(stderr).toContain('Usage: abtest-definitions <command>');
    expect(stdout).toBe('');
  });

  it('should refuse an invalid definition with exit 2, naming the path, before connecting', async () => {
    const path = file(JSON.stringify({ id: 'revenue', type: 'value', event: 'Order Completed' }));
    const { code, stderr, stdout } = await run(['put-metric', path]);
    expect(code).toBe(EXIT.invalidDefinition);
    expect(stderr).toBe('invalid metric definition "revenue": value_path: is required for a value metric: the dotted path of the number, e.g. properties.revenue\n');
    expect(stdout).toBe('');
  });

  it('should read stdin for - and refuse JSON that does not parse with exit 2', async () => {
    const { code, stderr } = await run(['put-experiment', '-'], '{"id": "checkout", variants');
    expect(code).toBe(EXIT.invalidDefinition);
    expect(stderr).toMatch(/^invalid definition in stdin: \(root\): must be JSON/);
    const invalid = await run(['put-experiment', '-'], JSON.stringify({ id: 'checkout', variants: [{ id: 'A', weight: 0 }, { id: 'B' }] }));
    expect(invalid.stderr).toContain('variants[0].weight: must be > 0');
  });

  it('should refuse an invalid id with exit 2 and an unreadable file with exit 66', async () => {
    expect((await run(['delete-experiment', 'a|b'])).code).toBe(EXIT.invalidDefinition);
    const missing = await run(['put-metric', '/nonexistent/metric.json']);
    expect(missing.code).toBe(EXIT.noInput);
    expect(missing.stderr).toContain('cannot read /nonexistent/metric.json');
  });

  it('should name a wrong variable with exit 78', async () => {
    let stderr = '';
    const code = await runCli(['list'], { stdout: { write: () => true }, stderr: { write: (text: string) => (stderr += text) }, stdin: Readable.from([]), env: {} });
    expect(code).toBe(EXIT.config);
    expect(stderr).toContain('KAFKA_BROKERS is required');
  });
});

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './manifests';
import { CREATE_TOPICS_SCRIPT } from './kafka-cli';

/** The programs the manifests and the compose file run, by the name of their container/service. */
export const PROGRAMS = ['ingress', 'processor', 'results', 'create-topics'] as const;
export type Program = (typeof PROGRAMS)[number];

/** Read by Node.js itself (not by our code): heap size, extra CAs. */
const NODE_VARIABLES = ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS', 'NODE_ENV'];
/** Read by the apache/kafka image's kafka-run-class.sh. */
const KAFKA_CLI_VARIABLES = ['KAFKA_HEAP_OPTS', 'KAFKA_OPTS', 'LOG_DIR'];
const NAME = /\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g;

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

const namesIn = (files: string[]) => new Set(files.flatMap((file) => readFileSync(file, 'utf8').match(NAME) ?? []));

/** Whether the program's sources exist yet (the results service is written concurrently). */
export function programExists(program: Program): boolean {
  return program === 'create-topics' || existsSync(join(REPO_ROOT, 'services', program, 'src'));
}

/**
 * Every upper-case name that a program's code mentions: a superset of the
 * environment variables it reads (constants match too). A variable given to
 * a program that is not in here is read by nobody: a typo or a leftover.
 */
export function knownVariables(program: Program): Set<string> {
  if (program === 'create-topics') return new Set([...namesIn([CREATE_TOPICS_SCRIPT]), ...KAFKA_CLI_VARIABLES]);
  // Services read the Kafka variables through @abtest/kafka-io's shared schema.
  const files = [...sourceFiles(join(REPO_ROOT, 'services', program, 'src')), join(REPO_ROOT, 'packages', 'kafka-io', 'src', 'config.ts')];
  return new Set([...namesIn(files), ...NODE_VARIABLES]);
}

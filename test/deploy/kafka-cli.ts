import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveClasspath } from '@abtest/local-stack';

const KAFKA_TOOLS_POM = join(__dirname, 'kafka-tools', 'pom.xml');
const CACHE_DIR = join(__dirname, 'kafka-tools', '.cache');
/** The topic Job's script, run here as the Job runs it. */
export const CREATE_TOPICS_SCRIPT = resolve(__dirname, '..', '..', 'k8s', 'base', 'topics', 'create-topics.sh');
/** A CLI call only connects, creates or describes: a small heap and the quick-start JIT suffice. */
const CLI_JVM_OPTIONS = '-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto';
const SCRIPT_TIMEOUT_MS = 90_000;

/**
 * A directory holding `kafka-topics.sh` as the apache/kafka image has it in
 * /opt/kafka/bin, here a shim running the same TopicCommand class from the
 * Maven Central jars (same Kafka version as the broker).
 */
export async function kafkaCliBinDir(workDir: string): Promise<string> {
  const classpath = await resolveClasspath(KAFKA_TOOLS_POM, CACHE_DIR);
  const binDir = join(workDir, 'kafka-bin');
  mkdirSync(binDir, { recursive: true });
  const shim = join(binDir, 'kafka-topics.sh');
  writeFileSync(shim, `#!/bin/sh\nexec java ${CLI_JVM_OPTIONS} -cp '${classpath}' org.apache.kafka.tools.TopicCommand "$@"\n`);
  chmodSync(shim, 0o755);
  return binDir;
}

export interface ScriptOutcome {
  code: number;
  output: string;
}

/** Runs create-topics.sh with `env` only (plus PATH), as a container would. */
export function runCreateTopics(env: Record<string, string>): Promise<ScriptOutcome> {
  return new Promise((resolveOutcome) => {
    execFile('sh', [CREATE_TOPICS_SCRIPT], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: SCRIPT_TIMEOUT_MS }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolveOutcome({ code, output: `${stdout}${stderr}` });
    });
  });
}

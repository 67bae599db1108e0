import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { resultsTopics } from './topics';

const CREATE_TOPICS_SCRIPT = resolve(__dirname, '..', '..', '..', 'k8s', 'base', 'topics', 'create-topics.sh');

/**
 * The topics create-topics.sh creates, run with a kafka-topics.sh that only
 * writes down each `--create --topic <name>` (and describes nothing, as for
 * an empty cluster): the script's own plan, without a broker.
 */
function createdTopics(env: Record<string, string>): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'create-topics-'));
  try {
    const log = join(dir, 'created');
    writeFileSync(log, '');
    writeFileSync(join(dir, 'kafka-topics.sh'), `#!/bin/sh\ncase " $* " in *" --create "*) while [ "$1" != --topic ]; do shift; done; echo "$2" >>'${log}' ;; esac\n`);
    chmodSync(join(dir, 'kafka-topics.sh'), 0o755);
    execFileSync('sh', [CREATE_TOPICS_SCRIPT], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', KAFKA_BROKERS: 'localhost:9092', KAFKA_BIN_DIR: dir, WORK_DIR: dir, ...env }, stdio: 'pipe' });
    return readFileSync(log, 'utf8').split('\n').filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('resultsTopics', () => {
  it('should put the breakdown and series topics beside the results topic unless they are named', () => {
    expect(resultsTopics('r')).toEqual({ results: 'r', breakdowns: 'r-breakdowns', series: 'r-series' });
    expect(resultsTopics('r', { breakdowns: 'b', series: undefined })).toEqual({ results: 'r', breakdowns: 'b', series: 'r-series' });
  });

  it('should name the topics as k8s/base/topics/create-topics.sh creates them, by default and from RESULTS_TOPIC', () => {
    expect(createdTopics({})).toEqual(expect.arrayContaining(Object.values(resultsTopics('experiment-results'))));
    const created = createdTopics({ RESULTS_TOPIC: 'staging-results' });
    expect(created).toEqual(expect.arrayContaining(Object.values(resultsTopics('staging-results'))));
    expect(created.filter((topic) => topic.startsWith('staging-results'))).toHaveLength(3);
  });

  it('should name the topics as the script does when BREAKDOWNS_TOPIC and SERIES_TOPIC are set', () => {
    const named = { breakdowns: 'segments', series: 'timeline' };
    expect(createdTopics({ RESULTS_TOPIC: 'r', BREAKDOWNS_TOPIC: named.breakdowns, SERIES_TOPIC: named.series })).toEqual(expect.arrayContaining(Object.values(resultsTopics('r', named))));
  });
});

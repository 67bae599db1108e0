import { retry } from '@abtest/retry';
import { ConfigResourceTypes, type Admin, type ITopicConfig } from 'kafkajs';
import { TopicMismatchError } from './errors';

/**
 * Retention of the raw events topic when a service creates it (and of
 * k8s/base/topics/create-topics.sh, EVENTS_TOPIC_RETENTION_MS): 90 days. It
 * is the pipeline's history, what rebuilding state from scratch reads.
 */
export const DEFAULT_EVENTS_RETENTION_MS = 90 * 24 * 3_600_000;

/** What a topic must look like. */
export interface TopicSpec {
  topic: string;
  /** Partitions; the broker's `num.partitions` when absent. An existing topic must have exactly this many. */
  numPartitions?: number;
  /** Replicas of each partition; the broker's `default.replication.factor` when absent. */
  replicationFactor?: number;
  /** Topic-level settings, e.g. `{ 'retention.ms': '604800000' }`. */
  configEntries?: Record<string, string>;
}

/** A topic setting that differs from its spec on an existing topic. */
export interface TopicConfigDrift {
  topic: string;
  name: string;
  expected: string;
  actual: string | undefined;
}

export interface EnsureTopicsResult {
  created: string[];
  existing: string[];
  /** Settings of existing topics that differ from the spec: not changed, for the caller to report. */
  configDrift: TopicConfigDrift[];
}

/**
 * Creates each missing topic with its partitions, replication and settings
 * (waiting for partition leaders), then verifies every topic: a partition
 * count other than the spec's throws a TopicMismatchError, because it
 * changes which partition each key goes to. Differing settings of topics
 * that already existed are reported, not changed. Safe to run from several
 * instances at once.
 */
export async function ensureTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<EnsureTopicsResult> {
  const present = new Set(await admin.listTopics());
  const missing = specs.filter((spec) => !present.has(spec.topic));
  if (missing.length > 0) {
    await createTopicsWithLeaders(
      admin,
      missing.map((spec) => ({
        topic: spec.topic,
        numPartitions: spec.numPartitions ?? -1,
        replicationFactor: spec.replicationFactor ?? -1,
        configEntries: Object.entries(spec.configEntries ?? {}).map(([name, value]) => ({ name, value })),
      })),
    );
  }
  const metadata = await metadataOfNewTopics(admin, specs.map((spec) => spec.topic));
  for (const spec of specs) {
    const partitions = metadata.topics.find((topic) => topic.name === spec.topic)?.partitions.length ?? 0;
    if (spec.numPartitions !== undefined && partitions !== spec.numPartitions) {
      throw new TopicMismatchError(`topic ${spec.topic} has ${partitions} partitions, expected ${spec.numPartitions}: change the configured partition count or the topic`);
    }
  }
  const existing = specs.filter((spec) => present.has(spec.topic));
  return { created: missing.map((spec) => spec.topic), existing: existing.map((spec) => spec.topic), configDrift: await configDrift(admin, existing) };
}

/**
 * How long a request is retried while a topic's creation propagates. On an
 * idle machine the leader appears within a second; a busy 2-core machine
 * running the whole stack took several seconds.
 */
export const TOPIC_PROPAGATION_TIMEOUT_MS = 30_000;
const PROPAGATION_BACKOFF_MS = 200;
/**
 * What a broker answers about a topic created a moment ago: not known yet,
 * no leader elected yet, or the leader has not taken the partition on yet.
 */
const PROPAGATING = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION']);

/**
 * The one retry policy of every start-up request about a topic that this or
 * another instance may have just created: runs `request` again while the
 * broker answers that the topic is still propagating, for up to
 * TOPIC_PROPAGATION_TIMEOUT_MS; any other error is thrown at once. kafkajs'
 * own retries cover only some of these answers, and only for some requests
 * (fetchTopicOffsets gives up at once on NOT_LEADER_FOR_PARTITION).
 */
export function whileTopicsPropagate<T>(request: () => Promise<T>, timeoutMs = TOPIC_PROPAGATION_TIMEOUT_MS): Promise<T> {
  return retry(request, { initialDelayMs: PROPAGATION_BACKOFF_MS, factor: 1, timeoutMs, retryIf: isPropagating });
}

function isPropagating(error: unknown): boolean {
  const type = typeof error === 'object' && error !== null && 'type' in error ? error.type : undefined;
  return typeof type === 'string' && PROPAGATING.has(type);
}

/** Topic metadata, waiting out a topic's creation still propagating. */
export const metadataOfNewTopics = (admin: Admin, topics: string[]): ReturnType<Admin['fetchTopicMetadata']> => whileTopicsPropagate(() => admin.fetchTopicMetadata({ topics }));

/** The low and high offsets of each partition of a topic, waiting out its creation still propagating. */
export const offsetsOfNewTopic = (admin: Admin, topic: string): ReturnType<Admin['fetchTopicOffsets']> => whileTopicsPropagate(() => admin.fetchTopicOffsets(topic));

/** Creates topics (existing ones are left alone) and waits for their leaders, also while their creation still propagates. */
export const createTopicsWithLeaders = (admin: Admin, topics: ITopicConfig[]): Promise<boolean> => whileTopicsPropagate(() => admin.createTopics({ topics, waitForLeaders: true }));

async function configDrift(admin: Admin, specs: readonly TopicSpec[]): Promise<TopicConfigDrift[]> {
  const withConfig = specs.filter((spec) => Object.keys(spec.configEntries ?? {}).length > 0);
  if (withConfig.length === 0) return [];
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: withConfig.map((spec) => ({ type: ConfigResourceTypes.TOPIC, name: spec.topic, configNames: Object.keys(spec.configEntries ?? {}) })),
  });
  return withConfig.flatMap((spec) => {
    const entries = described.resources.find((resource) => resource.resourceName === spec.topic)?.configEntries ?? [];
    return Object.entries(spec.configEntries ?? {})
      .map(([name, expected]) => ({ topic: spec.topic, name, expected, actual: entries.find((entry) => entry.configName === name)?.configValue }))
      .filter((drift) => drift.actual !== drift.expected);
  });
}

/** True when every topic exists with at least one partition (a readiness check). */
export async function topicsPresent(admin: Admin, topics: readonly string[]): Promise<boolean> {
  const existing = new Set(await admin.listTopics());
  return topics.every((topic) => existing.has(topic));
}

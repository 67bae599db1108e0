import { createTopicsWithLeaders, metadataOfNewTopics } from '@abtest/kafka-io';
import type { Admin, ITopicConfig } from 'kafkajs';
import { TopologyError } from './errors';
import { MAX_SEND_BYTES } from './commit-chunks';
import { changelogTopic, type StoreDefinition, type Subtopology, type Topology } from './topology';

/** Internal topics accept a commit's largest produce request (MAX_SEND_BYTES) as one batch. */
const INTERNAL_TOPIC_MAX_MESSAGE_BYTES = 2 * MAX_SEND_BYTES;

export interface InternalTopicsOptions {
  /** Partitions of repartition topics that are not read together with an external topic. */
  repartitionPartitions?: number;
  replicationFactor: number;
}

/**
 * One task reads partition p of every source topic of its sub-topology, so
 * those topics must have the same number of partitions: that number, or a
 * TopologyError naming each topic's count.
 */
export function coPartitionedCount(subtopology: Pick<Subtopology, 'id' | 'sourceTopics'>, partitions: ReadonlyMap<string, number>, topics = subtopology.sourceTopics): number {
  const counts = new Set(topics.map((t) => partitions.get(t)));
  const [count] = counts;
  if (counts.size === 1 && count !== undefined) return count;
  const found = topics.map((t) => `${t}: ${partitions.get(t) ?? 'missing'}`).join(', ');
  throw new TopologyError(`the source topics of sub-topology ${subtopology.id} must exist and be co-partitioned (the same number of partitions); found ${found}`);
}

/**
 * Partitions of each repartition topic. One read by a sub-topology together
 * with external topics gets their count (Kafka Streams' co-partitioning);
 * the others get `configured`, else the count of the first sub-topology that
 * reads external topics.
 */
export function repartitionTopicPartitions(topology: Pick<Topology, 'subtopologies' | 'repartitionTopics'>, externalPartitions: ReadonlyMap<string, number>, configured?: number): Map<string, number> {
  const isRepartition = (topic: string) => topology.repartitionTopics.includes(topic);
  const coPartitioned = new Map<string, number>();
  let firstInput: number | undefined;
  for (const subtopology of topology.subtopologies) {
    const external = subtopology.sourceTopics.filter((t) => !isRepartition(t));
    if (external.length === 0) continue;
    const partitions = coPartitionedCount(subtopology, externalPartitions, external);
    firstInput ??= partitions;
    for (const topic of subtopology.sourceTopics.filter(isRepartition)) coPartitioned.set(topic, partitions);
  }
  const fallback = configured ?? firstInput;
  if (fallback === undefined) throw new TopologyError('the topology reads no external topic');
  return new Map(topology.repartitionTopics.map((topic) => [topic, coPartitioned.get(topic) ?? fallback]));
}

/**
 * Creates the missing repartition and changelog topics and checks that every
 * sub-topology's source topics (including repartition topics that existed
 * already) are co-partitioned. Returns the task count of each sub-topology.
 */
export async function createInternalTopics(admin: Admin, topology: Topology, options: InternalTopicsOptions): Promise<Map<number, number>> {
  const sourceTopics = [...new Set(topology.subtopologies.flatMap((s) => s.sourceTopics))];
  if (sourceTopics.length === 0) throw new TopologyError('the topology has no source');
  const external = sourceTopics.filter((t) => !topology.repartitionTopics.includes(t));
  const repartition = repartitionTopicPartitions(topology, await partitionsOf(admin, external), options.repartitionPartitions);
  await createMissing(admin, [...repartition].map(([topic, numPartitions]) => internalTopicConfig(topic, numPartitions, options.replicationFactor, [])));
  // The actual counts: a repartition topic that existed already keeps its partitions.
  const actual = await partitionsOf(admin, sourceTopics);
  const tasks = new Map(topology.subtopologies.map((s) => [s.id, coPartitionedCount(s, actual)]));
  await createMissing(
    admin,
    topology.subtopologies.flatMap((s) => s.stores.map((store) => changelogTopicConfig(topology.applicationId, store, tasks.get(s.id) as number, options.replicationFactor))),
  );
  return tasks;
}

async function partitionsOf(admin: Admin, topics: string[]): Promise<Map<string, number>> {
  if (topics.length === 0) return new Map();
  const metadata = await metadataOfNewTopics(admin, topics);
  return new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
}

async function createMissing(admin: Admin, topics: ITopicConfig[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.topic));
  if (missing.length > 0) await createTopicsWithLeaders(admin, missing);
}

function changelogTopicConfig(applicationId: string, store: StoreDefinition, partitions: number, replicationFactor: number): ITopicConfig {
  // A store with retention writes batch records (see changelogRecords): time retention, no compaction.
  const configEntries = [{ name: 'cleanup.policy', value: store.retentionMs ? 'delete' : 'compact' }];
  if (store.retentionMs) configEntries.push({ name: 'retention.ms', value: String(store.retentionMs) });
  return internalTopicConfig(changelogTopic(applicationId, store.name), partitions, replicationFactor, configEntries);
}

function internalTopicConfig(topic: string, numPartitions: number, replicationFactor: number, configEntries: Array<{ name: string; value: string }>): ITopicConfig {
  return { topic, numPartitions, replicationFactor, configEntries: [...configEntries, { name: 'max.message.bytes', value: String(INTERNAL_TOPIC_MAX_MESSAGE_BYTES) }] };
}

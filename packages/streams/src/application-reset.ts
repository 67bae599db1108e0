import type { Cluster, Redis } from 'ioredis';
import type { Admin } from 'kafkajs';
import { taskKeyPattern } from './keys';
import { changelogTopic, type Topology } from './topology';

/** The topics a topology creates for itself: repartition and changelog topics. */
export function internalTopicsOf(topology: Topology): string[] {
  return [...topology.repartitionTopics, ...topology.subtopologies.flatMap((s) => s.stores.map((store) => changelogTopic(topology.applicationId, store.name)))];
}

const UNLINK_BATCH = 500;

/**
 * Kafka Streams' application reset tool, for an application that no longer
 * runs (its group has no member): deletes its consumer group, its internal
 * topics and its Redis state. Returns the Redis keys deleted. What is gone
 * already is skipped, so a reset interrupted half way can be run again.
 */
export async function resetApplication(topology: Topology, admin: Admin, redis: Redis | Cluster, keyPrefix: string): Promise<number> {
  const [group] = (await admin.describeGroups([topology.applicationId])).groups;
  if (group && group.members.length > 0) throw new Error(`application ${topology.applicationId} still has ${group.members.length} running member(s): stop it before resetting it`);
  if (group && group.state !== 'Dead') await admin.deleteGroups([topology.applicationId]);
  const existing = new Set(await admin.listTopics());
  const topics = internalTopicsOf(topology).filter((t) => existing.has(t));
  if (topics.length > 0) await admin.deleteTopics({ topics });
  let deleted = 0;
  const nodes = 'nodes' in redis && typeof redis.nodes === 'function' && redis.isCluster ? redis.nodes('master') : [redis as Redis];
  for (const node of nodes) {
    const stream = node.scanStream({ match: taskKeyPattern(keyPrefix, topology.applicationId), count: 1000 });
    for await (const keys of stream as AsyncIterable<string[]>) {
      for (let i = 0; i < keys.length; i += UNLINK_BATCH) {
        // One key per call: keys of different tasks are in different cluster slots.
        const batch = keys.slice(i, i + UNLINK_BATCH);
        await Promise.all(batch.map((key) => node.unlink(key)));
        deleted += batch.length;
      }
    }
  }
  return deleted;
}

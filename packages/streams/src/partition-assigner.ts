import { AssignerProtocol, type Assigner, type Cluster, type GroupMemberAssignment, type PartitionAssigner } from 'kafkajs';
import type { Logger } from './logger';
import { assignTasks, listTasks, topicPartitionsOf } from './task-assignor';
import type { Topology } from './topology';

/** The group protocol name: every member of one application's group must offer it. */
export const STREAMS_ASSIGNER_NAME = 'StreamsPartitionAssigner';
const ASSIGNER_VERSION = 1;

export interface StreamsAssignerOptions {
  /** The task ids this member owns now, sent with every join so that the leader can leave them here. */
  ownedTasks: () => string[];
  logger: Logger;
}

/**
 * kafkajs partition assigner that assigns tasks, not partitions (Kafka
 * Streams' StreamsPartitionAssignor): partition p of every source topic of
 * one sub-topology goes to the same member, which then alone owns the task's
 * Redis state and transactional id. Tasks are balanced over the members
 * (within one) and stay with their previous owner where balance allows.
 * Partition counts come from the cluster metadata kafkajs refreshes before
 * each assignment.
 */
export function createStreamsPartitionAssigner(topology: Pick<Topology, 'subtopologies'>, options: StreamsAssignerOptions): PartitionAssigner {
  return ({ cluster, groupId }) => streamsAssigner(topology, options, { cluster, groupId });
}

/** The assigner of one consumer; it reads only partition counts from the cluster metadata. */
export function streamsAssigner(topology: Pick<Topology, 'subtopologies'>, options: StreamsAssignerOptions, group: { cluster: Pick<Cluster, 'findTopicPartitionMetadata'>; groupId: string }): Assigner {
  const { cluster, groupId } = group;
  return {
    name: STREAMS_ASSIGNER_NAME,
    version: ASSIGNER_VERSION,

    async assign({ members, topics }): Promise<GroupMemberAssignment[]> {
      const subscribed = new Set(topics);
      const subtopologies = topology.subtopologies.map((s) => ({ id: s.id, sourceTopics: s.sourceTopics.filter((t) => subscribed.has(t)) }));
      const partitionsOf = (topic: string) => cluster.findTopicPartitionMetadata(topic).length;
      for (const { id, sourceTopics } of subtopologies) {
        const counts = sourceTopics.map((t) => `${t}: ${partitionsOf(t)}`);
        if (new Set(sourceTopics.map(partitionsOf)).size > 1) options.logger.warn({ groupId, subtopology: id, partitions: counts }, 'source topics of a sub-topology are not co-partitioned; tasks get the partitions that exist');
      }
      const tasks = listTasks(subtopologies, partitionsOf);
      const owners = members.map(({ memberId, memberMetadata }) => ({ memberId, ownedTasks: ownedTasksOf(memberMetadata, memberId, options.logger) }));
      const byMember = assignTasks(owners, tasks);
      options.logger.info({ groupId, tasks: Object.fromEntries([...byMember].map(([memberId, assigned]) => [memberId, assigned.map((t) => t.id)])) }, 'tasks assigned');
      return [...byMember].map(([memberId, assigned]) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: ASSIGNER_VERSION, assignment: topicPartitionsOf(assigned, subtopologies, partitionsOf), userData: Buffer.alloc(0) }),
      }));
    },

    protocol({ topics }) {
      const userData = Buffer.from(JSON.stringify({ tasks: options.ownedTasks() }));
      return { name: STREAMS_ASSIGNER_NAME, metadata: AssignerProtocol.MemberMetadata.encode({ version: ASSIGNER_VERSION, topics, userData }) };
    },
  };
}

/** The tasks a member says it owns; none when its metadata cannot be read (it then just gets no preference). */
function ownedTasksOf(memberMetadata: Buffer, memberId: string, logger: Logger): string[] {
  try {
    const userData = AssignerProtocol.MemberMetadata.decode(memberMetadata)?.userData;
    if (!userData || userData.length === 0) return [];
    const parsed: unknown = JSON.parse(userData.toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'tasks' in parsed && Array.isArray(parsed.tasks)) return parsed.tasks.filter((t): t is string => typeof t === 'string');
    logger.warn({ memberId }, 'member metadata has no task list; assigning it as a new member');
  } catch (error) {
    logger.warn({ memberId, err: error }, 'unreadable member metadata; assigning it as a new member');
  }
  return [];
}

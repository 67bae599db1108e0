import { AssignerProtocol, type PartitionMetadata } from 'kafkajs';
import type { Logger } from './logger';
import { STREAMS_ASSIGNER_NAME, streamsAssigner } from './partition-assigner';
import { TopologyBuilder } from './topology';

const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const noop = () => ({ process: () => undefined });

describe('Streams partition assigner', () => {
  const topology = new TopologyBuilder('app')
    .addSource('events', ['events'])
    .addProcessor('ingest', noop, 'events')
    .addRepartition('by-person', ['ingest'])
    .addProcessor('attribution', noop, 'ingest', 'by-person')
    .build();
  const topics = ['events', 'app-by-person-repartition'];
  // Only what the assigner reads from the cluster: partitions per topic.
  const partition = (partitionId: number): PartitionMetadata => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 });
  const cluster = { findTopicPartitionMetadata: () => [0, 1, 2, 3].map(partition) };
  const assignerOf = (ownedTasks: string[]) => streamsAssigner(topology, { ownedTasks: () => ownedTasks, logger: silent }, { cluster, groupId: 'app' });

  it('should send the tasks a member owns in its metadata and keep them with it', async () => {
    const member = (memberId: string, owned: string[]) => ({ memberId, memberMetadata: assignerOf(owned).protocol({ topics }).metadata });
    const leader = assignerOf([]);
    expect(leader.name).toBe(STREAMS_ASSIGNER_NAME);
    const result = await leader.assign({ members: [member('a', []), member('b', ['0_2', '0_3'])], topics });
    const decoded = Object.fromEntries(result.map((r) => [r.memberId, AssignerProtocol.MemberAssignment.decode(r.memberAssignment)?.assignment]));
    expect(decoded).toEqual({
      a: { events: [0, 1], 'app-by-person-repartition': [0, 1] },
      b: { events: [2, 3], 'app-by-person-repartition': [2, 3] },
    });
  });

  it('should treat a member whose metadata carries no task list as new', async () => {
    const foreign = AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.from('not json') });
    const result = await assignerOf([]).assign({ members: [{ memberId: 'a', memberMetadata: foreign }], topics });
    expect(AssignerProtocol.MemberAssignment.decode(result[0]?.memberAssignment as Buffer)?.assignment).toEqual({ events: [0, 1, 2, 3], 'app-by-person-repartition': [0, 1, 2, 3] });
  });
});

import { assignTasks, listTasks, topicPartitionsOf, type AssignmentMember, type TaskRef } from './task-assignor';

/** events and by-person are read by sub-topology 0 together; by-user by sub-topology 1. */
const subtopologies = [
  { id: 0, sourceTopics: ['events', 'app-by-person-repartition'] },
  { id: 1, sourceTopics: ['app-by-user-repartition'] },
];
const partitionsOf = (partitions: number) => () => partitions;
const ids = (tasks: TaskRef[] | undefined) => (tasks ?? []).map((t) => t.id);
const newMembers = (...memberIds: string[]): AssignmentMember[] => memberIds.map((memberId) => ({ memberId, ownedTasks: [] }));

/** A small deterministic PRNG (mulberry32), so the randomized cases are the same on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('Task assignment', () => {
  it('should list one task per sub-topology and partition', () => {
    expect(listTasks(subtopologies, partitionsOf(2)).map((t) => t.id)).toEqual(['0_0', '0_1', '1_0', '1_1']);
  });

  it('should give partition p of every source topic of a sub-topology to the member that has the task', () => {
    const tasks = listTasks(subtopologies, partitionsOf(4));
    const assignment = assignTasks(newMembers('b', 'a'), tasks);
    expect(ids(assignment.get('a'))).toEqual(['0_0', '0_2', '1_0', '1_2']);
    expect(ids(assignment.get('b'))).toEqual(['0_1', '0_3', '1_1', '1_3']);
    expect(topicPartitionsOf(assignment.get('a') ?? [], subtopologies, partitionsOf(4))).toEqual({
      events: [0, 2],
      'app-by-person-repartition': [0, 2],
      'app-by-user-repartition': [0, 2],
    });
  });

  it('should leave members without tasks when there are more members than tasks', () => {
    const assignment = assignTasks(newMembers('a', 'b', 'c'), listTasks([{ id: 0, sourceTopics: ['t'] }], partitionsOf(2)));
    expect([...assignment].map(([member, tasks]) => [member, ids(tasks)])).toEqual([
      ['a', ['0_0']],
      ['b', ['0_1']],
      ['c', []],
    ]);
  });

  it('should keep tasks with their previous owners while balance allows', () => {
    const tasks = listTasks(subtopologies, partitionsOf(3));
    const before = [
      { memberId: 'a', ownedTasks: ['0_0', '0_1', '0_2', '1_0'] },
      { memberId: 'b', ownedTasks: ['1_1', '1_2'] },
    ];
    // A third member joins: a keeps two of its tasks, b both of its own, c takes the rest.
    const assignment = assignTasks([...before, { memberId: 'c', ownedTasks: [] }], tasks);
    expect(ids(assignment.get('a'))).toEqual(['0_0', '0_1']);
    expect(ids(assignment.get('b'))).toEqual(['1_1', '1_2']);
    expect(ids(assignment.get('c'))).toEqual(['0_2', '1_0']);
  });

  it('should give a task two members claim to the first of them only', () => {
    const tasks = listTasks([{ id: 0, sourceTopics: ['t'] }], partitionsOf(2));
    const assignment = assignTasks(
      [
        { memberId: 'b', ownedTasks: ['0_0'] },
        { memberId: 'a', ownedTasks: ['0_0'] },
      ],
      tasks,
    );
    expect(ids(assignment.get('a'))).toEqual(['0_0']);
    expect(ids(assignment.get('b'))).toEqual(['0_1']);
  });

  it('should ignore owned tasks that no longer exist', () => {
    const tasks = listTasks([{ id: 0, sourceTopics: ['t'] }], partitionsOf(2));
    const assignment = assignTasks([{ memberId: 'a', ownedTasks: ['0_7', '3_0'] }, ...newMembers('b')], tasks);
    expect(ids(assignment.get('a'))).toEqual(['0_0']);
    expect(ids(assignment.get('b'))).toEqual(['0_1']);
  });

  it('should assign every task once, balanced within one task, the same way in any member order (randomized)', () => {
    const next = random(42);
    for (let round = 0; round < 300; round++) {
      const partitions = 1 + Math.floor(next() * 12);
      const tasks = listTasks(subtopologies, partitionsOf(partitions));
      const members: AssignmentMember[] = Array.from({ length: 1 + Math.floor(next() * 7) }, (_, i) => ({
        memberId: `member-${i}`,
        // Random, possibly overlapping and stale claims.
        ownedTasks: tasks.filter(() => next() < 0.3).map((t) => t.id).concat(next() < 0.2 ? ['9_9'] : []),
      }));
      const assignment = assignTasks(members, tasks);
      const counts = [...assignment.values()].map((t) => t.length);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      expect([...assignment.values()].flatMap(ids).sort()).toEqual(tasks.map((t) => t.id).sort());
      const shuffled = [...members].sort(() => next() - 0.5);
      expect(assignTasks(shuffled, [...tasks].reverse())).toEqual(assignment);
      // Every topic partition goes to exactly one member, together with the other topics' same partition.
      const owner = new Map<string, string>();
      for (const [member, memberTasks] of assignment) {
        for (const [topic, topicPartitions] of Object.entries(topicPartitionsOf(memberTasks, subtopologies, partitionsOf(partitions)))) {
          for (const p of topicPartitions) {
            expect(owner.has(`${topic}:${p}`)).toBe(false);
            owner.set(`${topic}:${p}`, member);
          }
        }
      }
      expect(owner.size).toBe(partitions * 3);
      for (let p = 0; p < partitions; p++) expect(owner.get(`events:${p}`)).toBe(owner.get(`app-by-person-repartition:${p}`));
    }
  });
});

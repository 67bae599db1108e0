import type { Subtopology } from './topology';

/** A task: one partition of one sub-topology. Its id is `<sub-topology id>_<partition>`. */
export interface TaskRef {
  id: string;
  subtopology: number;
  partition: number;
}

export interface AssignmentMember {
  memberId: string;
  /** Tasks the member owned before this rebalance (it keeps them where balance allows: fewer restores). */
  ownedTasks: readonly string[];
}

/** Topic → partitions, as kafkajs' MemberAssignment carries it. */
export type TopicPartitions = Record<string, number[]>;

export const taskIdOf = (subtopology: number, partition: number): string => `${subtopology}_${partition}`;

/**
 * Every task of the topology, in (sub-topology, partition) order. A
 * sub-topology has as many tasks as its source topics have partitions.
 */
export function listTasks(subtopologies: ReadonlyArray<Pick<Subtopology, 'id' | 'sourceTopics'>>, partitionsOf: (topic: string) => number): TaskRef[] {
  return subtopologies.flatMap((s) => {
    const count = Math.max(0, ...s.sourceTopics.map(partitionsOf));
    return Array.from({ length: count }, (_, partition) => ({ id: taskIdOf(s.id, partition), subtopology: s.id, partition }));
  });
}

/**
 * Spreads tasks over members: each gets ⌊tasks/members⌋ or one more. A member
 * first keeps the tasks it owned (up to that share, the first in task order
 * when it owned more, and a task claimed by two members goes to the first in
 * member-id order); the rest go one by one, in task order, to the member with
 * the fewest tasks (ties: member-id order), which is round-robin when nobody
 * owned anything. The same input gives the same output in any member order.
 */
export function assignTasks(members: readonly AssignmentMember[], tasks: readonly TaskRef[]): Map<string, TaskRef[]> {
  const slots = [...members]
    .sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0))
    .map((m) => ({ memberId: m.memberId, owned: new Set(m.ownedTasks), tasks: [] as TaskRef[] }));
  const unassigned = new Map([...tasks].sort(byTaskOrder).map((t) => [t.id, t]));
  if (slots.length > 0) {
    const share = Math.floor(tasks.length / slots.length);
    const keepOwned = (slot: (typeof slots)[number], limit: number) => {
      for (const task of unassigned.values()) {
        if (slot.tasks.length >= limit) return;
        if (!slot.owned.has(task.id)) continue;
        slot.tasks.push(task);
        unassigned.delete(task.id);
      }
    };
    for (const slot of slots) keepOwned(slot, share);
    // tasks.length % members members may hold one task more: first those that owned one more.
    let larger = tasks.length % slots.length;
    for (const slot of slots) {
      if (larger === 0) break;
      keepOwned(slot, share + 1);
      if (slot.tasks.length > share) larger -= 1;
    }
    for (const task of unassigned.values()) {
      const target = slots.reduce((fewest, slot) => (slot.tasks.length < fewest.tasks.length ? slot : fewest));
      target.tasks.push(task);
    }
  }
  return new Map(slots.map((slot) => [slot.memberId, slot.tasks.sort(byTaskOrder)]));
}

/** The topic partitions of some tasks: partition p of every source topic of the task's sub-topology (those topics that have it). */
export function topicPartitionsOf(tasks: readonly TaskRef[], subtopologies: ReadonlyArray<Pick<Subtopology, 'id' | 'sourceTopics'>>, partitionsOf: (topic: string) => number): TopicPartitions {
  const assignment: TopicPartitions = {};
  for (const task of tasks) {
    const subtopology = subtopologies.find((s) => s.id === task.subtopology);
    for (const topic of subtopology?.sourceTopics ?? []) {
      if (task.partition >= partitionsOf(topic)) continue;
      (assignment[topic] ??= []).push(task.partition);
    }
  }
  return assignment;
}

function byTaskOrder(a: TaskRef, b: TaskRef): number {
  return a.subtopology - b.subtopology || a.partition - b.partition;
}

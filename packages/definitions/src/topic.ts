/** The topic of the definitions when none is configured (`DEFINITIONS_TOPIC`). */
export const DEFAULT_DEFINITIONS_TOPIC = 'experiment-definitions';

/**
 * The definitions topic: compacted, so it keeps the latest record of every
 * key forever (a global table), and one partition, so every reader sees all
 * changes in the order they were written.
 */
export function definitionsTopicSpec(topic: string) {
  return { topic, numPartitions: 1, configEntries: { 'cleanup.policy': 'compact' } };
}

import { StreamsError } from './errors';
import type { TopologyNode } from './topology';

/**
 * The nodes a processor's forward() reaches: every child, or the one named
 * `childName` (Kafka Streams' `To.child(name)`).
 */
export function forwardTargets(processorName: string, children: readonly TopologyNode[], childName?: string): readonly TopologyNode[] {
  if (childName === undefined) return children;
  const child = children.find((c) => c.name === childName);
  if (!child) {
    const names = children.map((c) => `"${c.name}"`).join(', ') || 'none';
    throw new StreamsError(`processor "${processorName}" forwarded to "${childName}", which is not one of its children (children: ${names})`);
  }
  return [child];
}

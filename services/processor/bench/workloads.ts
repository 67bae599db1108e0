import type { Producer } from 'kafkajs';

/**
 * What the events look like: how many persons they cycle through decides how
 * many of them change a person's state (a person's first view and first
 * click do; repeats write nothing but the de-duplication entry).
 */
export interface Workload {
  name: string;
  events: number;
  persons: number;
}

/** Experiments the events spread over; persons stay in one experiment and variant (persons is a multiple of it). */
const EXPERIMENTS = 10;
/** Events per produce request while filling the topic. */
const PRODUCE_BATCH = 2_000;
/** Persons of the repeat-heavy workload: few, with many events each. */
const REPEAT_HEAVY_PERSONS = 1_000;

export const WORKLOAD_NAMES = ['mixed', 'person-heavy', 'repeat-heavy'] as const;
export type WorkloadName = (typeof WORKLOAD_NAMES)[number];

/**
 * mixed: `persons` persons (default 50,000: 4 events each, about half change state);
 * person-heavy: one event per person (every event changes a person);
 * repeat-heavy: 1,000 persons (200 events each at 200,000: nearly every event is a repeat).
 */
export function workload(name: string, events: number, persons: number): Workload {
  if (name === 'mixed') return { name, events, persons };
  if (name === 'person-heavy') return { name, events, persons: events };
  if (name === 'repeat-heavy') return { name, events, persons: Math.min(events, REPEAT_HEAVY_PERSONS) };
  throw new Error(`unknown workload "${name}": expected one of ${WORKLOAD_NAMES.join(', ')}`);
}

function event(i: number, persons: number, run: string): { key: string; value: string } {
  const person = `p-${i % persons}`;
  const experiment = `exp-${i % EXPERIMENTS}`;
  const kind = i % 3 === 0 ? 'Experiment Clicked' : 'Experiment Viewed';
  const now = new Date().toISOString();
  const value = { type: 'track', event: kind, anonymousId: person, messageId: `${run}-${i}`, receivedAt: now, timestamp: now, properties: { experiment_id: experiment, variation_id: `v${i % 2}` } };
  return { key: person, value: JSON.stringify(value) };
}

/** Produces events [from, to) of a workload with `persons` persons. */
export async function produceRange(producer: Producer, topic: string, from: number, to: number, persons: number, run: string): Promise<void> {
  for (let start = from; start < to; start += PRODUCE_BATCH) {
    const messages = [];
    for (let i = start; i < Math.min(to, start + PRODUCE_BATCH); i++) messages.push(event(i, persons, run));
    await producer.send({ topic, acks: -1, messages });
  }
}

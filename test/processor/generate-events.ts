import { randomUUID } from 'node:crypto';

/** A deterministic pseudo-random generator (mulberry32), so a failing run can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GeneratedStream {
  /** Events in send order; resent duplicates share a messageId. */
  events: Array<Record<string, unknown>>;
}

export interface GenerateOptions {
  seed: number;
  persons: number;
  experiments: number;
  eventsPerPerson: number;
  duplicateRate: number;
}

/**
 * Exposure and click events of many persons over several experiments, in
 * both property namings, with resent duplicates, out-of-order timestamps,
 * persons known only by userId, and clicks on a variant nobody views.
 */
export function generateExperimentEvents(options: GenerateOptions): GeneratedStream {
  const random = seededRandom(options.seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)] as T;
  const run = randomUUID().slice(0, 8);
  const experiments = Array.from({ length: options.experiments }, (_, i) => ({
    id: `exp-${run}-${i}`,
    name: `Experiment ${i}`,
    variants: Array.from({ length: 2 + (i % 2) }, (_, v) => ({ id: `v${v}`, name: `Variant ${v}` })),
    specNaming: i % 2 === 0,
  }));
  const events: Array<Record<string, unknown>> = [];
  const base = Date.parse('2026-11-01T00:00:00Z');
  for (let p = 0; p < options.persons; p++) {
    const ids = p % 5 === 0 ? { userId: `user-${run}-${p}` } : { anonymousId: `anon-${run}-${p}` };
    for (let e = 0; e < options.eventsPerPerson; e++) {
      const experiment = pick(experiments);
      const ghostClick = random() < 0.02;
      const variant = ghostClick ? { id: 'ghost', name: 'Ghost' } : pick(experiment.variants);
      const kind = ghostClick || random() < 0.35 ? 'Experiment Clicked' : 'Experiment Viewed';
      const properties = experiment.specNaming
        ? { experiment_id: experiment.id, experiment_name: experiment.name, variation_id: variant.id, variation_name: variant.name }
        : { experimentName: experiment.id, variationName: variant.id };
      const timestamp = new Date(base + Math.floor(random() * 86_400_000)).toISOString();
      const event = { type: 'track', event: kind, ...ids, messageId: `m-${run}-${p}-${e}`, timestamp, receivedAt: new Date().toISOString(), properties };
      events.push(event);
      if (random() < options.duplicateRate) events.push({ ...event });
    }
  }
  // Interleave persons as real traffic does, keeping nothing in timestamp order.
  for (let i = events.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [events[i], events[j]] = [events[j] as Record<string, unknown>, events[i] as Record<string, unknown>];
  }
  return { events };
}

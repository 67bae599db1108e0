import { seededRandom } from '../processor/generate-events';

export const EXPOSURE_EVENT = 'Experiment Viewed';
export const SIGNUP_EVENT = 'Signed Up';

/** One experiment of the generated traffic: how many persons each variant gets and how often they sign up. */
export interface ExperimentPlan {
  id: string;
  name: string;
  /** Persons exposed to each variant (each exactly once). */
  persons: Record<string, number>;
  /** Probability that a person of the variant signs up after the exposure. */
  signupRate: Record<string, number>;
}

export type SegmentTrack = {
  type: 'track';
  event: string;
  anonymousId: string;
  messageId: string;
  timestamp: string;
  properties: Record<string, string>;
};

/** What the pipeline should count, per experiment and variant. */
export interface VariantTotals {
  persons: number;
  converted: number;
}

/** Per experiment, per variant. */
export type TrafficTotals = Record<string, Record<string, VariantTotals>>;

/** At most this many other persons' exposures arrive between a person's exposure and sign-up: traffic interleaves. */
const MAX_SIGNUP_DELAY = 200;
/** Event time between consecutive events: the whole traffic spans well under an hour of event time. */
const EVENT_SPACING_MS = 500;

/**
 * Exposures (Segment's A/B spec properties) and sign-ups of every person of
 * the plans, shuffled together by a seeded generator: the same seed gives the
 * same persons, variants, conversions and order, so the statistics of every
 * prefix can be computed before relying on them.
 */
export function generateDecisionTraffic(options: { seed: number; runId: string; startMs: number; experiments: ExperimentPlan[] }): SegmentTrack[] {
  const random = seededRandom(options.seed);
  const persons = options.experiments.flatMap((plan) =>
    Object.entries(plan.persons).flatMap(([variantId, count]) => Array.from({ length: count }, () => ({ plan, variantId, converts: random() < (plan.signupRate[variantId] ?? 0) }))),
  );
  for (let i = persons.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [persons[i], persons[j]] = [persons[j] as (typeof persons)[number], persons[i] as (typeof persons)[number]];
  }

  const events: SegmentTrack[] = [];
  const signupsDue = new Map<number, string[]>();
  const track = (event: string, anonymousId: string, properties: Record<string, string>) =>
    events.push({ type: 'track', event, anonymousId, messageId: `${options.runId}-m${events.length}`, timestamp: new Date(options.startMs + events.length * EVENT_SPACING_MS).toISOString(), properties });

  persons.forEach(({ plan, variantId, converts }, index) => {
    const anonymousId = `${options.runId}-p${index}`;
    track(EXPOSURE_EVENT, anonymousId, { experiment_id: plan.id, experiment_name: plan.name, variation_id: variantId, variation_name: variantId });
    if (converts) {
      const due = index + 1 + Math.floor(random() * MAX_SIGNUP_DELAY);
      signupsDue.set(due, [...(signupsDue.get(due) ?? []), anonymousId]);
    }
    for (const person of signupsDue.get(index) ?? []) track(SIGNUP_EVENT, person, {});
    signupsDue.delete(index);
  });
  for (const due of [...signupsDue.keys()].sort((a, b) => a - b)) for (const person of signupsDue.get(due) ?? []) track(SIGNUP_EVENT, person, {});
  return events;
}

/** What the pipeline should count from these events: persons by their exposure, and those who signed up after it. */
export function trafficTotals(events: SegmentTrack[]): TrafficTotals {
  const totals: TrafficTotals = {};
  const assigned = new Map<string, VariantTotals>();
  for (const event of events) {
    const { experiment_id: experimentId, variation_id: variantId } = event.properties;
    if (event.event === EXPOSURE_EVENT && experimentId !== undefined && variantId !== undefined) {
      const figures = ((totals[experimentId] ??= {})[variantId] ??= { persons: 0, converted: 0 });
      figures.persons += 1;
      assigned.set(event.anonymousId, figures);
    } else if (event.event === SIGNUP_EVENT) {
      const figures = assigned.get(event.anonymousId);
      if (figures) figures.converted += 1;
    }
  }
  return totals;
}

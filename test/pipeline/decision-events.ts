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
  /** Other events a person of the variant sends after the exposure, each with its probability (e.g. a checkout error). */
  otherEvents?: Array<{ event: string; rate: Record<string, number> }>;
}

export type SegmentTrack = {
  type: 'track';
  event: string;
  anonymousId: string;
  messageId: string;
  timestamp: string;
  properties: Record<string, string>;
};

/** What the pipeline should count, per experiment and variant (`converted`: persons who sent the counted event). */
export interface VariantTotals {
  persons: number;
  converted: number;
}

/** Per experiment, per variant. */
export type TrafficTotals = Record<string, Record<string, VariantTotals>>;

/** At most this many other persons' exposures arrive between a person's exposure and each of their later events: traffic interleaves. */
const MAX_EVENT_DELAY = 200;
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
  // A plan without other events draws once per person, so its traffic does not depend on other plans having them.
  const persons = options.experiments.flatMap((plan) =>
    Object.entries(plan.persons).flatMap(([variantId, count]) =>
      Array.from({ length: count }, () => {
        const sends = random() < (plan.signupRate[variantId] ?? 0) ? [SIGNUP_EVENT] : [];
        for (const other of plan.otherEvents ?? []) if (random() < (other.rate[variantId] ?? 0)) sends.push(other.event);
        return { plan, variantId, sends };
      }),
    ),
  );
  for (let i = persons.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [persons[i], persons[j]] = [persons[j] as (typeof persons)[number], persons[i] as (typeof persons)[number]];
  }

  const events: SegmentTrack[] = [];
  const due = new Map<number, Array<{ anonymousId: string; event: string }>>();
  const track = (event: string, anonymousId: string, properties: Record<string, string>) =>
    events.push({ type: 'track', event, anonymousId, messageId: `${options.runId}-m${events.length}`, timestamp: new Date(options.startMs + events.length * EVENT_SPACING_MS).toISOString(), properties });

  persons.forEach(({ plan, variantId, sends }, index) => {
    const anonymousId = `${options.runId}-p${index}`;
    track(EXPOSURE_EVENT, anonymousId, { experiment_id: plan.id, experiment_name: plan.name, variation_id: variantId, variation_name: variantId });
    for (const event of sends) {
      const at = index + 1 + Math.floor(random() * MAX_EVENT_DELAY);
      due.set(at, [...(due.get(at) ?? []), { anonymousId, event }]);
    }
    for (const { anonymousId: person, event } of due.get(index) ?? []) track(event, person, {});
    due.delete(index);
  });
  for (const at of [...due.keys()].sort((a, b) => a - b)) for (const { anonymousId, event } of due.get(at) ?? []) track(event, anonymousId, {});
  return events;
}

/** What the pipeline should count from these events: persons by their exposure, and those who sent `counted` (by default signed up) after it. */
export function trafficTotals(events: SegmentTrack[], counted = SIGNUP_EVENT): TrafficTotals {
  const totals: TrafficTotals = {};
  const assigned = new Map<string, VariantTotals>();
  for (const event of events) {
    const { experiment_id: experimentId, variation_id: variantId } = event.properties;
    if (event.event === EXPOSURE_EVENT && experimentId !== undefined && variantId !== undefined) {
      const figures = ((totals[experimentId] ??= {})[variantId] ??= { persons: 0, converted: 0 });
      figures.persons += 1;
      assigned.set(event.anonymousId, figures);
    } else if (event.event === counted) {
      const figures = assigned.get(event.anonymousId);
      if (figures) figures.converted += 1;
    }
  }
  return totals;
}

import { seededRandom } from '../processor/generate-events';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const ORDER_EVENT = 'Order Completed';

/** A Segment event as the Webhooks destination forwards it: already normalized (`originalTimestamp` kept, `timestamp` final). */
export type WebhookEvent = Record<string, unknown>;

export interface CupedTraffic {
  /** Arrival order, to post before the held-back persons. */
  events: WebhookEvent[];
  /** The exposures and later orders of persons whose earlier orders are in `events`: posted last, their covariate comes from the state restored after a loss. */
  heldBack: WebhookEvent[];
  /** Orders whose event time is before their person's exposure but which arrive after it. */
  lateCovariateEvents: number;
}

/**
 * Persons with a steady spending level (log-spread): orders on 60% of the
 * days in the 10 days before their exposure day (the covariate's window is
 * the last 7), sometimes one on the exposure day before the exposure (neither
 * X nor Y), then orders over the 3 days after it, B spending 5% more. So X and
 * Y are correlated as CUPED needs: with seed 11 and 800 persons the revenue
 * correlation is 0.71 (ρ² = 0.51). Every order's revenue is a whole number of
 * cents. Seeded: the same seed gives the same traffic.
 */
export function generateCupedTraffic(options: { seed: number; runId: string; experimentId: string; persons: number; heldBack: number; exposureDay: number }): CupedTraffic {
  const random = seededRandom(options.seed);
  let message = 0;
  const event = (person: string, name: string, time: number, properties: Record<string, unknown>): WebhookEvent => {
    const timestamp = new Date(time).toISOString();
    return { type: 'track', event: name, anonymousId: person, messageId: `${options.runId}-${message++}`, timestamp, originalTimestamp: timestamp, properties };
  };
  const cents = (amount: number) => Math.round(amount * 100) / 100;
  const timed: Array<{ arrival: number; event: WebhookEvent; late: boolean; held: boolean }> = [];
  for (let i = 0; i < options.persons; i++) {
    const person = `${options.runId}-p${i}`;
    const variant = i % 2 === 0 ? 'control' : 'B';
    const level = 20 * Math.exp(random() * 2 - 1 + (random() * 2 - 1));
    const exposedAt = options.exposureDay + Math.floor(random() * 20 * HOUR) + 2 * HOUR;
    const held = i >= options.persons - options.heldBack;
    for (let day = 10; day >= 1; day--) {
      if (random() >= 0.6) continue;
      const time = options.exposureDay - day * DAY + Math.floor(random() * DAY);
      // A tenth of the earlier orders arrive after the exposure (an offline device's backlog).
      const late = !held && random() < 0.1;
      timed.push({ arrival: late ? exposedAt + HOUR : time, event: event(person, ORDER_EVENT, time, { revenue: cents(level * (0.5 + random())) }), late, held: false });
    }
    if (random() < 0.2) {
      const time = options.exposureDay + Math.floor(random() * (exposedAt - options.exposureDay));
      timed.push({ arrival: time, event: event(person, ORDER_EVENT, time, { revenue: cents(level * (0.5 + random())) }), late: false, held });
    }
    timed.push({ arrival: exposedAt, event: event(person, 'Experiment Viewed', exposedAt, { experiment_id: options.experimentId, variation_id: variant }), late: false, held });
    for (let day = 0; day < 3; day++) {
      if (random() >= 0.6) continue;
      const time = exposedAt + Math.floor(random() * DAY) + day * DAY;
      const lift = variant === 'B' ? 1.05 : 1;
      timed.push({ arrival: time, event: event(person, ORDER_EVENT, time, { revenue: cents(level * lift * (0.5 + random())) }), late: false, held });
    }
  }
  timed.sort((a, b) => a.arrival - b.arrival);
  return {
    events: timed.filter((t) => !t.held).map((t) => t.event),
    heldBack: timed.filter((t) => t.held).map((t) => t.event),
    lateCovariateEvents: timed.filter((t) => t.late).length,
  };
}

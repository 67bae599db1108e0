import { DAY_MS } from './delta';

/**
 * A person's activity on one CUPED metric, per UTC day of event time, kept
 * for every person whether exposed or not: the covariate of an exposure is
 * read from it. Stored as one flat array, days ascending, each day after the
 * first as the gap to the previous one — `[20430, 59.9, 2, 12]` is 59.9 on
 * day 20430 and 12 on day 20432 — because it is kept per person in Redis
 * and small numbers are short in JSON.
 */
export type DailyBuckets = number[];

export const dayOf = (time: number): number => Math.floor(time / DAY_MS);

function decode(buckets: DailyBuckets): Array<[day: number, value: number]> {
  const days: Array<[number, number]> = [];
  let day = 0;
  for (let i = 0; i + 1 < buckets.length; i += 2) {
    day = i === 0 ? (buckets[0] as number) : day + (buckets[i] as number);
    days.push([day, buckets[i + 1] as number]);
  }
  return days;
}

function encode(days: Array<[number, number]>): DailyBuckets {
  const buckets: DailyBuckets = [];
  let previous = 0;
  for (const [index, [day, value]] of days.entries()) {
    buckets.push(index === 0 ? day : day - previous, value);
    previous = day;
  }
  return buckets;
}

/**
 * A day's sum to 12 significant digits: 0.1 + 0.2 gives 0.30000000000000004,
 * whose float dust would multiply its size in JSON; the rounding is a
 * relative 5e-13 at most.
 */
const compact = (sum: number): number => Number(sum.toPrecision(12));

/**
 * Days kept beyond the window: an exposure may arrive after events of the
 * next day (event time), and its window must still be whole.
 */
export const LATE_EXPOSURE_DAYS = 1;

/**
 * Adds `value` to `day` and drops the days that no exposure still to come
 * can reach: those more than `windowDays` + LATE_EXPOSURE_DAYS before the
 * newest day. So a person costs at most windowDays + 2 buckets.
 */
export function addToBuckets(buckets: DailyBuckets | undefined, day: number, value: number, windowDays: number): DailyBuckets {
  const decoded = decode(buckets ?? []);
  const keepFrom = Math.max(day, decoded[decoded.length - 1]?.[0] ?? day) - windowDays - LATE_EXPOSURE_DAYS;
  const days = decoded.filter(([d]) => d >= keepFrom);
  if (day >= keepFrom) {
    const existing = days.find(([d]) => d === day);
    if (existing) existing[1] = compact(existing[1] + value);
    else days.push([day, value]);
    days.sort(([a], [b]) => a - b);
  }
  return encode(days);
}

/** The sum over the days in [fromDay, toDay). */
export function sumBuckets(buckets: DailyBuckets | undefined, fromDay: number, toDay: number): number {
  let sum = 0;
  for (const [day, value] of decode(buckets ?? [])) if (day >= fromDay && day < toDay) sum += value;
  return sum;
}

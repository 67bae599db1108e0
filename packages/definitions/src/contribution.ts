import { readDottedPath } from './dotted-path';
import type { MetricDefinition, PropertyFilter } from './metric';

function compare(actual: unknown, filter: PropertyFilter): boolean {
  switch (filter.op) {
    case 'eq':
      return actual === filter.value;
    case 'neq':
      return actual !== filter.value;
    case 'in':
      return Array.isArray(filter.value) && filter.value.includes(actual);
    case 'exists':
      return (actual !== undefined && actual !== null) === (filter.value !== false);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return typeof actual === 'number' && typeof filter.value === 'number' && compareNumbers(actual, filter.op, filter.value);
  }
}

function compareNumbers(actual: number, op: 'gt' | 'gte' | 'lt' | 'lte', expected: number): boolean {
  switch (op) {
    case 'gt':
      return actual > expected;
    case 'gte':
      return actual >= expected;
    case 'lt':
      return actual < expected;
    case 'lte':
      return actual <= expected;
  }
}

/** True when the event satisfies every filter of the metric. */
export function matchesFilters(filters: readonly PropertyFilter[], event: Record<string, unknown>): boolean {
  return filters.every((filter) => compare(readDottedPath(event, filter.path), filter));
}

/**
 * What one event adds to a person's metric: undefined when the event is not
 * a `track` of `metric.event` or a filter fails; 1 for a conversion metric;
 * for a value metric the finite number at `value_path` (a string such as
 * `"9.99"` does not count: undefined). The per-person `cap` applies to the
 * person's total, so it is the aggregator's job, not this function's.
 */
export function metricContribution(metric: MetricDefinition, event: Record<string, unknown>): number | undefined {
  if (event.type !== 'track' || event.event !== metric.event) return undefined;
  if (!matchesFilters(metric.filters, event)) return undefined;
  if (metric.type === 'conversion') return 1;
  if (metric.value_path === null) return undefined;
  const value = readDottedPath(event, metric.value_path);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

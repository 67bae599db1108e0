import { isJsonObject } from './json-object';
import { jsonPath, type ValidationIssue } from './json-path';
import { MAX_ID_LENGTH } from './limits';

/** Segment's A/B testing spec: the track events of an exposure and of a click on it. */
export const EXPERIMENT_VIEWED = 'Experiment Viewed';
export const EXPERIMENT_CLICKED = 'Experiment Clicked';

/**
 * Properties that name an exposure's experiment and variation: the spec's ids
 * and names, and the seed article's camel-case names. Downstream they key
 * records and state, so they are ids as far as limits go.
 */
const EXPERIMENT_KEY_PROPERTIES = ['experiment_id', 'experiment_name', 'variation_id', 'variation_name', 'experimentName', 'variationName'] as const;

/** Problems with the experiment and variation keys of an exposure or click (none for other events). */
export function experimentKeyIssues(message: { type: string; event?: unknown; properties?: unknown }, path: string): ValidationIssue[] {
  if (message.type !== 'track' || (message.event !== EXPERIMENT_VIEWED && message.event !== EXPERIMENT_CLICKED) || !isJsonObject(message.properties)) return [];
  const issues: ValidationIssue[] = [];
  for (const name of EXPERIMENT_KEY_PROPERTIES) {
    const value = message.properties[name];
    if (typeof value === 'string' && value.length > MAX_ID_LENGTH) {
      issues.push({ path: jsonPath(path, ['properties', name]), reason: `must be at most ${MAX_ID_LENGTH} characters (MAX_ID_LENGTH)` });
    }
  }
  return issues;
}

/** Shortcuts from fixture sufficient statistics to the package's internal inputs. */
import { absoluteEffect, relativeEffect, welchDegreesOfFreedom, type Effect } from '../../src/effects';
import { summarize, validateStatistics, type ArmSummary } from '../../src/sufficient-statistics';
import type { MetricType, SufficientStatistics } from '../../src/types';

export interface Arms {
  control: ArmSummary;
  variant: ArmSummary;
  df: number | null;
  absolute: Effect | null;
  relative: Effect | null;
}

export function arms(type: MetricType, control: SufficientStatistics, variant: SufficientStatistics): Arms {
  const c = summarize(validateStatistics('control', control, type), type);
  const v = summarize(validateStatistics('variant', variant, type), type);
  return { control: c, variant: v, df: welchDegreesOfFreedom(c, v), absolute: absoluteEffect(c, v), relative: relativeEffect(c, v) };
}

/** Narrows a possibly-undefined effect for a test that expects one. */
export function defined<T>(value: T | null, label: string): T {
  if (value === null) throw new Error(`${label}: expected a defined value, got null`);
  return value;
}

import { DefinitionError } from './errors';
import { parseExperimentDefinition, type ExperimentDefinition, type MetricRole } from './experiment';
import { ROOT_PATH } from './issues';
import { parseDefinitionKey, type DefinitionKind } from './keys';
import { parseMetricDefinition, type MetricDefinition } from './metric';

const NO_METRICS: MetricDefinition[] = [];
Object.freeze(NO_METRICS);

const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Definitions are shared with every caller: frozen, so no caller can change another's view. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * The experiment and metric definitions in memory, kept by applying the
 * records of the definitions topic in order (a global table): a value
 * upserts, a null value (tombstone) deletes. Pure: no I/O.
 *
 * The state depends only on the latest record of each key, so it is the
 * same before and after the topic is compacted: an invalid record removes
 * the definition its key held (and throws, for the caller to log).
 */
export class DefinitionsCatalog {
  private readonly experimentsById = new Map<string, ExperimentDefinition>();
  private readonly metricsById = new Map<string, MetricDefinition>();
  private globalMetrics: readonly MetricDefinition[] = [];
  private metricsByEvent = new Map<string, MetricDefinition[]>();
  private applied = 0;

  /** Incremented by every `apply`, also one that throws; a cache of anything derived from the catalog can key on it. */
  get version(): number {
    return this.applied;
  }

  /**
   * Applies one record of the definitions topic. Throws a DefinitionError
   * for a malformed key, a value that is not JSON or not a valid definition,
   * or a definition whose id differs from the key's.
   */
  apply(key: string, value: string | Buffer | null): void {
    this.applied += 1;
    const { kind, id } = parseDefinitionKey(key);
    if (value === null) {
      this.remove(kind, id);
      return;
    }
    try {
      if (kind === 'experiment') this.experimentsById.set(id, deepFreeze(decode(key, id, value, parseExperimentDefinition)));
      else this.setMetric(id, deepFreeze(decode(key, id, value, parseMetricDefinition)));
    } catch (error) {
      this.remove(kind, id);
      throw error;
    }
  }

  experiment(id: string): ExperimentDefinition | undefined {
    return this.experimentsById.get(id);
  }

  metric(id: string): MetricDefinition | undefined {
    return this.metricsById.get(id);
  }

  /** Every experiment, by id. */
  experiments(): ExperimentDefinition[] {
    return [...this.experimentsById.values()].sort(byId);
  }

  /** Every metric, by id. */
  metrics(): MetricDefinition[] {
    return [...this.metricsById.values()].sort(byId);
  }

  /**
   * The metrics an experiment reports: every global metric (by id), then the
   * defined local metrics it lists in `metrics` or in a role list, in that
   * order (each once). Globals only for an experiment that is not defined.
   */
  metricsFor(experimentId: string): MetricDefinition[] {
    const metrics = [...this.globalMetrics];
    const experiment = this.experimentsById.get(experimentId);
    if (!experiment) return metrics;
    const listed = new Set([...experiment.metrics, ...experiment.primary_metrics, ...experiment.secondary_metrics, ...experiment.guardrail_metrics]);
    for (const id of listed) {
      const metric = this.metricsById.get(id);
      if (metric && metric.scope === 'local') metrics.push(metric);
    }
    return metrics;
  }

  /**
   * The role of each metric the experiment reports (`metricsFor`): the role
   * list naming it; else `guardrail` for a global metric (the Houseparty
   * seed's company-wide metrics every experiment must not hurt); else, for a
   * local metric, `primary` when the experiment names no primary metric (an
   * experiment that only lists its metrics is decided by them) and
   * `secondary` when it does.
   */
  metricRoles(experimentId: string): Map<string, MetricRole> {
    const experiment = this.experimentsById.get(experimentId);
    const named = new Map<string, MetricRole>();
    for (const id of experiment?.primary_metrics ?? []) named.set(id, 'primary');
    for (const id of experiment?.secondary_metrics ?? []) named.set(id, 'secondary');
    for (const id of experiment?.guardrail_metrics ?? []) named.set(id, 'guardrail');
    const unnamedLocal: MetricRole = (experiment?.primary_metrics.length ?? 0) > 0 ? 'secondary' : 'primary';
    return new Map(this.metricsFor(experimentId).map((metric) => [metric.id, named.get(metric.id) ?? (metric.scope === 'global' ? 'guardrail' : unnamedLocal)]));
  }

  /**
   * Every defined metric, global or local, that counts this track event name
   * (by id). O(1): the array comes from an index and is shared, so it is
   * frozen; copy it to change it.
   */
  metricsForEvent(eventName: string): MetricDefinition[] {
    return this.metricsByEvent.get(eventName) ?? NO_METRICS;
  }

  private remove(kind: DefinitionKind, id: string): void {
    if (kind === 'experiment') this.experimentsById.delete(id);
    else if (this.metricsById.delete(id)) this.reindexMetrics();
  }

  private setMetric(id: string, metric: MetricDefinition): void {
    this.metricsById.set(id, metric);
    this.reindexMetrics();
  }

  /** Metric changes are rare next to lookups: rebuild the indexes whole rather than patch them. */
  private reindexMetrics(): void {
    const metrics = this.metrics();
    this.globalMetrics = Object.freeze(metrics.filter((metric) => metric.scope === 'global'));
    const byEvent = new Map<string, MetricDefinition[]>();
    for (const metric of metrics) {
      const list = byEvent.get(metric.event);
      if (list) list.push(metric);
      else byEvent.set(metric.event, [metric]);
    }
    for (const list of byEvent.values()) Object.freeze(list);
    this.metricsByEvent = byEvent;
  }
}

function decode<T extends { id: string }>(key: string, id: string, value: string | Buffer, parse: (input: unknown) => T): T {
  const text = typeof value === 'string' ? value : value.toString('utf8');
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw new DefinitionError(`invalid record ${JSON.stringify(key)}`, [{ path: ROOT_PATH, message: `must be JSON (${error instanceof Error ? error.message : String(error)})` }]);
  }
  const definition = parse(input);
  if (definition.id !== id) {
    throw new DefinitionError(`invalid record ${JSON.stringify(key)}`, [{ path: 'id', message: `"${definition.id}" must equal the id in the record key ("${id}")` }]);
  }
  return definition;
}

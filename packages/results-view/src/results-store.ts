import type { BreakdownRecord, ResultsRecord, SeriesRecord } from '@abtest/results-contract';

/** One point of an experiment's history of results records: what the chart uses before series records exist. */
export interface HistoryPoint {
  t: number;
  version: number;
  variants: Array<{ variant_id: string; unique_views: number; unique_clicks: number }>;
}

/** Everything kept about one experiment. `results` is null while only breakdown or series records arrived. */
export interface ExperimentEntry {
  results: ResultsRecord | null;
  history: HistoryPoint[];
  /** Key `<dimension>|<value>`. */
  breakdowns: Map<string, BreakdownRecord>;
  /** Key `<granularity>|<bucket_start>`. */
  series: Map<string, SeriesRecord>;
}

export type StoreChange =
  | { kind: 'results'; experimentId: string; record: ResultsRecord }
  | { kind: 'breakdown' | 'series'; experimentId: string }
  | { kind: 'deleted'; experimentId: string };

export type StoreListener = (change: StoreChange) => void;

/**
 * History points kept per experiment. Past this, every second point of the
 * older half is dropped: the whole run stays on the chart at a coarser
 * resolution and memory stays bounded however long the service runs.
 */
export const MAX_HISTORY_POINTS = 500;

/**
 * The latest record per key of the results, breakdown and series topics, as
 * a compacted topic's reader sees them (a KeyValueStore materialised from
 * the topics). Records older than the one kept (lower version) are ignored,
 * so replays and reordering leave the newest in place; null values
 * (tombstones) delete.
 */
export class LatestResultsStore {
  private readonly entries = new Map<string, ExperimentEntry>();
  private readonly listeners = new Set<StoreListener>();

  /** Keeps the record if it is newer than the one kept; true when kept. */
  putResults(record: ResultsRecord): boolean {
    const entry = this.entry(record.experiment_id);
    if (entry.results && entry.results.version >= record.version) return false;
    entry.results = record;
    appendHistory(entry.history, record);
    this.emit({ kind: 'results', experimentId: record.experiment_id, record });
    return true;
  }

  deleteExperiment(experimentId: string): void {
    if (this.entries.delete(experimentId)) this.emit({ kind: 'deleted', experimentId });
  }

  putBreakdown(record: BreakdownRecord): boolean {
    const breakdowns = this.entry(record.experiment_id).breakdowns;
    const key = `${record.dimension}|${record.value}`;
    const kept = breakdowns.get(key);
    if (kept && kept.version >= record.version) return false;
    breakdowns.set(key, record);
    this.emit({ kind: 'breakdown', experimentId: record.experiment_id });
    return true;
  }

  deleteBreakdown(experimentId: string, dimension: string, value: string): void {
    if (this.entries.get(experimentId)?.breakdowns.delete(`${dimension}|${value}`)) this.emit({ kind: 'breakdown', experimentId });
  }

  putSeries(record: SeriesRecord): boolean {
    const series = this.entry(record.experiment_id).series;
    const key = `${record.granularity}|${record.bucket_start}`;
    const kept = series.get(key);
    if (kept && kept.version >= record.version) return false;
    series.set(key, record);
    this.emit({ kind: 'series', experimentId: record.experiment_id });
    return true;
  }

  deleteSeries(experimentId: string, granularity: string, bucketStart: number): void {
    if (this.entries.get(experimentId)?.series.delete(`${granularity}|${bucketStart}`)) this.emit({ kind: 'series', experimentId });
  }

  get(experimentId: string): ExperimentEntry | undefined {
    const entry = this.entries.get(experimentId);
    return entry?.results ? entry : undefined;
  }

  /** Experiments with a results record, most recently updated first. */
  list(): Array<ExperimentEntry & { results: ResultsRecord }> {
    return [...this.entries.values()]
      .filter((entry): entry is ExperimentEntry & { results: ResultsRecord } => entry.results !== null)
      .sort((a, b) => b.results.updated_at - a.results.updated_at || a.results.experiment_id.localeCompare(b.results.experiment_id));
  }

  get size(): number {
    let count = 0;
    for (const entry of this.entries.values()) if (entry.results) count++;
    return count;
  }

  /** Calls `listener` after every change; returns the function that removes it. */
  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private entry(experimentId: string): ExperimentEntry {
    let entry = this.entries.get(experimentId);
    if (!entry) {
      entry = { results: null, history: [], breakdowns: new Map(), series: new Map() };
      this.entries.set(experimentId, entry);
    }
    return entry;
  }

  private emit(change: StoreChange): void {
    for (const listener of this.listeners) listener(change);
  }
}

function appendHistory(history: HistoryPoint[], record: ResultsRecord): void {
  history.push({
    t: record.updated_at,
    version: record.version,
    variants: record.variants.map((v) => ({ variant_id: v.variant_id, unique_views: v.unique_views, unique_clicks: v.unique_clicks })),
  });
  if (history.length <= MAX_HISTORY_POINTS) return;
  const olderHalf = Math.floor(history.length / 2);
  const thinned = history.slice(0, olderHalf).filter((_, index) => index % 2 === 0);
  history.splice(0, olderHalf, ...thinned);
}

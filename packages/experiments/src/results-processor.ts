import type { DefinitionsCatalog } from '@abtest/definitions';
import type { Granularity } from '@abtest/results-contract';
import type { KeyValueStore, Processor, ProcessorContext, StoreKey, StreamRecord } from '@abtest/streams';
import { analyze } from './analysis';
import { DAY_MS, SEPARATOR, type CellDelta, type ExperimentDelta, type SeriesCellDelta } from './delta';
import { nextVersion, type Publication } from './publication';
import { addToState, cellKeysOf, emptyState, OTHER_VALUE, metricIdsOf, toBreakdown, toResults, toSeries, type CellsState, type ExperimentState } from './results';
import { DefinitionsDigests, emptyIndex, INDEX_KEY, indexEntry, sameEntry, type ResultsIndex } from './results-index';

export const RESULTS_STORE = 'results';
export const BREAKDOWNS_STORE = 'breakdowns';
export const SERIES_STORE = 'series';
export const RESULTS_SINK = 'results-sink';
export const BREAKDOWNS_SINK = 'breakdowns-sink';
export const SERIES_SINK = 'series-sink';

export const breakdownKey = (experimentId: string, dimension: string, value: string): string => `${experimentId}|${dimension}|${value}`;
export const seriesKey = (experimentId: string, granularity: Granularity, bucketStart: number): string => `${experimentId}|${granularity}|${bucketStart}`;

export interface ResultsOptions {
  definitions: DefinitionsCatalog;
  /** Distinct values kept per breakdown dimension; later ones are grouped as `other`. */
  maxBreakdownValues: number;
  /** How often (wall-clock) experiments are re-evaluated without events: minimum runtime reached, definitions changed. */
  punctuateIntervalMs: number;
  /** Whether this generation publishes, and from which versions (see publication.ts). */
  publication: Publication;
}

const parseCellKey = (key: string): string[] => key.split(SEPARATOR);

/**
 * Experiment-partitioned stage: adds increments into the experiment's state,
 * its breakdown cells and its series buckets, recomputes the statistics and
 * forwards the three kinds of record to their sinks (each keeps the newest
 * per key until the next commit).
 *
 * Status also moves without events: a wall-clock punctuation re-analyses the
 * task's experiments whose minimum runtime has ended since their last
 * analysis, and those whose definitions changed, and publishes a new version
 * of each (results-index.ts keeps what it needs in the results store).
 *
 * A generation being rebuilt (publication.ts) keeps the same state without
 * analysing or publishing it; the first punctuation after it took the topics
 * over publishes every experiment, breakdown and series entry it holds.
 */
export class ResultsProcessor implements Processor<ExperimentDelta> {
  private context!: ProcessorContext;
  private results!: KeyValueStore<ExperimentState>;
  private breakdowns!: KeyValueStore<CellsState<CellDelta>>;
  private series!: KeyValueStore<CellsState<SeriesCellDelta>>;
  private indexStore!: KeyValueStore<ResultsIndex>;
  /** The index as this batch or punctuation changed it; written once at its end. */
  private changedIndex: ResultsIndex | undefined;
  /** The catalog version the last punctuation compared definitions at; none yet after init (restart included). */
  private definitionsVersion: number | undefined;
  /** The rebuild progress the records published last show (see backfillShown). */
  private backfillShown = '';

  private readonly digests: DefinitionsDigests;

  constructor(private readonly options: ResultsOptions) {
    this.digests = new DefinitionsDigests(options.definitions);
  }

  init(context: ProcessorContext): void {
    this.context = context;
    this.results = context.getStateStore(RESULTS_STORE);
    this.breakdowns = context.getStateStore(BREAKDOWNS_STORE);
    this.series = context.getStateStore(SERIES_STORE);
    this.indexStore = context.getStateStore(RESULTS_STORE);
    context.schedule(this.options.punctuateIntervalMs, 'wall-clock', (now) => this.reevaluate(now));
  }

  prefetch(record: StreamRecord<ExperimentDelta>): StoreKey[] {
    const delta = record.value;
    const id = delta.experiment_id;
    const keys: StoreKey[] = [{ store: RESULTS_STORE, key: id }, { store: RESULTS_STORE, key: INDEX_KEY }];
    for (const cell of Object.keys(delta.breakdowns)) {
      const [dimension, value] = parseCellKey(cell) as [string, string];
      keys.push({ store: BREAKDOWNS_STORE, key: breakdownKey(id, dimension, value) }, { store: BREAKDOWNS_STORE, key: breakdownKey(id, dimension, OTHER_VALUE) });
    }
    for (const cell of Object.keys(delta.series)) {
      const hour = Number(parseCellKey(cell)[0]);
      keys.push({ store: SERIES_STORE, key: seriesKey(id, 'hour', hour) }, { store: SERIES_STORE, key: seriesKey(id, 'day', Math.floor(hour / DAY_MS) * DAY_MS) });
    }
    return keys;
  }

  process(record: StreamRecord<ExperimentDelta>): void {
    const delta = record.value;
    const now = Date.now();
    const current = this.results.get(delta.experiment_id) ?? emptyState(delta.experiment_id, delta.experiment_name);
    const state = addToState(structuredClone(current), delta);
    this.updateBreakdowns(state, delta, now);
    this.updateSeries(state, delta, now);
    if (this.options.publication.publishing) this.publishNext(state, now);
    else this.keepUnpublished(state, now);
  }

  endBatch(): void {
    this.writeIndex();
  }

  /** The punctuator: re-analyses the experiments that time, a definition change or a rebuild's progress may have moved. */
  private async reevaluate(now: number): Promise<void> {
    const { definitions, publication } = this.options;
    if (!publication.publishing) return;
    await this.context.prefetch([{ store: RESULTS_STORE, key: INDEX_KEY }]);
    const index = this.indexStore.get(INDEX_KEY);
    if (!index) return;
    const definitionsChanged = definitions.version !== this.definitionsVersion;
    this.definitionsVersion = definitions.version;
    const shown = backfillShown(publication);
    const backfillMoved = shown !== this.backfillShown;
    this.backfillShown = shown;
    const takeover = index.unpublished === true;
    const due = Object.entries(index.experiments)
      .filter(([id, entry]) => takeover || backfillMoved || (entry.due_at !== null && entry.due_at <= now) || (definitionsChanged && entry.definitions !== this.digests.of(id)))
      .map(([id]) => id);
    await this.context.prefetch(due.map((key) => ({ store: RESULTS_STORE, key })));
    const states = due.flatMap((id) => this.results.get(id) ?? []);
    for (const current of states) this.publishNext(structuredClone(current), now);
    if (takeover) {
      await this.publishUnpublishedCells(states, now);
      this.changedIndex ??= structuredClone(this.indexStore.get(INDEX_KEY) ?? emptyIndex());
      delete this.changedIndex.unpublished;
    }
    this.writeIndex();
  }

  /** The breakdown and series entries the rebuild kept without publishing (version 0): published once, when it takes over. */
  private async publishUnpublishedCells(states: ExperimentState[], now: number): Promise<void> {
    const keyed = states.map((state) => ({ state, ...cellKeysOf(state) }));
    await this.context.prefetch(
      keyed.flatMap(({ state, breakdowns, series }) => [
        ...breakdowns.map(({ dimension, value }) => ({ store: BREAKDOWNS_STORE, key: breakdownKey(state.experiment_id, dimension, value) })),
        ...series.map(({ granularity, start }) => ({ store: SERIES_STORE, key: seriesKey(state.experiment_id, granularity, start) })),
      ]),
    );
    for (const { state, breakdowns, series } of keyed) {
      const id = state.experiment_id;
      const metrics = metricIdsOf(state, this.options.definitions);
      for (const { dimension, value } of breakdowns) {
        const key = breakdownKey(id, dimension, value);
        const cells = this.breakdowns.get(key);
        if (cells?.version === 0) this.publishCells(this.breakdowns, BREAKDOWNS_SINK, key, structuredClone(cells), (c) => toBreakdown(id, dimension, value, c, metrics, now));
      }
      for (const { granularity, start } of series) {
        const key = seriesKey(id, granularity, start);
        const cells = this.series.get(key);
        if (cells?.version === 0) this.publishCells(this.series, SERIES_SINK, key, structuredClone(cells), (c) => toSeries(id, granularity, start, c, now));
      }
    }
  }

  /** Publishes the state as its next version. */
  private publishNext(state: ExperimentState, now: number): void {
    state.version = nextVersion(this.options.publication, 'results', state.experiment_id, state.version);
    this.publish(state, now);
  }

  /** Analyses the state at `now`, stores it and publishes its results record. */
  private publish(state: ExperimentState, now: number): void {
    state.updated_at = now;
    const { analysis, note } = analyze(state, this.options.definitions, now);
    state.analysis = analysis;
    state.analysis_note = note;
    this.results.put(state.experiment_id, state);
    this.context.forward({ key: state.experiment_id, value: toResults(state, this.options.definitions, this.options.publication) }, RESULTS_SINK);
    this.updateIndex(state, now);
  }

  /** A rebuild's state: stored and indexed, neither analysed nor published (the takeover does both). */
  private keepUnpublished(state: ExperimentState, now: number): void {
    state.updated_at = now;
    this.results.put(state.experiment_id, state);
    this.updateIndex(state, now);
    const index = this.changedIndex ?? this.indexStore.get(INDEX_KEY);
    if (index?.unpublished) return;
    this.changedIndex ??= structuredClone(index ?? emptyIndex());
    this.changedIndex.unpublished = true;
  }

  private updateIndex(state: ExperimentState, now: number): void {
    const entry = indexEntry(state, this.options.definitions, this.digests, now);
    const index = this.changedIndex ?? this.indexStore.get(INDEX_KEY);
    if (sameEntry(index?.experiments[state.experiment_id], entry)) return;
    this.changedIndex ??= structuredClone(index ?? emptyIndex());
    this.changedIndex.experiments[state.experiment_id] = entry;
  }

  private writeIndex(): void {
    if (this.changedIndex) this.indexStore.put(INDEX_KEY, this.changedIndex);
    this.changedIndex = undefined;
  }

  private updateBreakdowns(state: ExperimentState, delta: ExperimentDelta, now: number): void {
    const metrics = metricIdsOf(state, this.options.definitions);
    const touched = new Map<string, { dimension: string; value: string; cells: CellsState<CellDelta> }>();
    for (const [cellKey, cell] of Object.entries(delta.breakdowns)) {
      const [dimension, rawValue, variantId] = parseCellKey(cellKey) as [string, string, string];
      const value = this.capped(state, dimension, rawValue);
      const key = breakdownKey(state.experiment_id, dimension, value);
      const entry = touched.get(key) ?? { dimension, value, cells: structuredClone(this.breakdowns.get(key) ?? { version: 0, variants: {} }) };
      const target = (entry.cells.variants[variantId] ??= { persons: 0, metrics: {} });
      mergeCells(target, cell);
      touched.set(key, entry);
    }
    for (const [key, { dimension, value, cells }] of touched) {
      this.publishCells(this.breakdowns, BREAKDOWNS_SINK, key, cells, (c) => toBreakdown(state.experiment_id, dimension, value, c, metrics, now));
    }
  }

  private updateSeries(state: ExperimentState, delta: ExperimentDelta, now: number): void {
    const touched = new Map<string, { granularity: Granularity; start: number; cells: CellsState<SeriesCellDelta> }>();
    for (const [cellKey, cell] of Object.entries(delta.series)) {
      const [hourText, variantId] = parseCellKey(cellKey) as [string, string];
      const hour = Number(hourText);
      if (!state.series_hours.includes(hour)) state.series_hours = [...state.series_hours, hour].sort((a, b) => a - b);
      for (const [granularity, start] of [['hour', hour], ['day', Math.floor(hour / DAY_MS) * DAY_MS]] as const) {
        const key = seriesKey(state.experiment_id, granularity, start);
        const entry = touched.get(key) ?? { granularity, start, cells: structuredClone(this.series.get(key) ?? { version: 0, variants: {} }) };
        mergeCells((entry.cells.variants[variantId] ??= { persons: 0, metrics: {} }), cell);
        touched.set(key, entry);
      }
    }
    for (const [key, { granularity, start, cells }] of touched) {
      this.publishCells(this.series, SERIES_SINK, key, cells, (c) => toSeries(state.experiment_id, granularity, start, c, now));
    }
  }

  /** Stores a breakdown or series entry and, in a publishing generation, publishes it as its next version. */
  private publishCells<C>(store: KeyValueStore<CellsState<C>>, sink: typeof BREAKDOWNS_SINK | typeof SERIES_SINK, key: string, cells: CellsState<C>, toRecord: (cells: CellsState<C>) => unknown): void {
    const { publication } = this.options;
    if (publication.publishing) cells.version = nextVersion(publication, sink === BREAKDOWNS_SINK ? 'breakdowns' : 'series', key, cells.version);
    store.put(key, cells);
    if (publication.publishing) this.context.forward({ key, value: toRecord(cells) }, sink);
  }

  /** The value itself while the dimension has room, else `other` (a value keeps its first mapping). */
  private capped(state: ExperimentState, dimension: string, value: string): string {
    const values = (state.dimension_values[dimension] ??= []);
    if (values.includes(value)) return value;
    if (values.length >= this.options.maxBreakdownValues) return OTHER_VALUE;
    values.push(value);
    return value;
  }
}

/** The part of a rebuild's progress the records show: a new one, a whole percent more, or its end re-publishes them. */
function backfillShown(publication: Publication): string {
  const backfill = publication.backfill();
  return backfill ? `${backfill.generation}:${Math.floor(backfill.progress * 100)}` : '';
}

/** Sums a cell's increments into a stored cell. */
function mergeCells(into: CellDelta | SeriesCellDelta, from: CellDelta | SeriesCellDelta): void {
  into.persons += from.persons;
  const metrics = into.metrics as Record<string, Record<string, number>>;
  for (const [id, figures] of Object.entries(from.metrics as Record<string, Record<string, number>>)) {
    const target = (metrics[id] ??= {});
    for (const [field, value] of Object.entries(figures)) target[field] = (target[field] ?? 0) + value;
  }
}

import type { DefinitionsCatalog } from '@abtest/definitions';
import type { BreakdownResults, ExperimentResults, SeriesResults } from '@abtest/results-contract';
import type { KafkaStreams } from '@abtest/streams';
import type { CellDelta, SeriesCellDelta } from './delta';
import { FIRST_GENERATION, type Publication } from './publication';
import { cellKeysOf, metricIdsOf, toBreakdown, toResults, toSeries, type CellsState, type ExperimentState } from './results';
import { BREAKDOWNS_STORE, breakdownKey, RESULTS_STORE, SERIES_STORE, seriesKey } from './results-processor';

/** One experiment's results record with its breakdown and series records, as the stores hold them now. */
export interface ExperimentSnapshot extends ExperimentResults {
  breakdowns: BreakdownResults[];
  series: SeriesResults[];
}

/** What a query needs of the running topology: reads of committed store entries (Kafka Streams' interactive queries). */
export type StoreQueries = Pick<KafkaStreams, 'query' | 'queryAll'>;

/**
 * The current results of one experiment, read from the state stores of the
 * topology `buildExperimentTopology` built: the same records the results
 * topics get at the next commit, with `updated_at` = `now`. Undefined when
 * no event of the experiment has been processed yet.
 */
export async function queryExperiment(streams: StoreQueries, definitions: DefinitionsCatalog, experimentId: string, options: { now?: number; publication?: Publication } = {}): Promise<ExperimentSnapshot | undefined> {
  const { now = Date.now(), publication = FIRST_GENERATION } = options;
  const state = await streams.query<ExperimentState>(RESULTS_STORE, experimentId);
  if (!state) return undefined;
  const entries = cellKeysOf(state);
  // Breakdown and series entries live in the experiment's partition: queried with the experiment id as partition key.
  const [breakdownCells, seriesCells] = await Promise.all([
    streams.queryAll<CellsState<CellDelta>>(BREAKDOWNS_STORE, entries.breakdowns.map(({ dimension, value }) => breakdownKey(experimentId, dimension, value)), experimentId),
    streams.queryAll<CellsState<SeriesCellDelta>>(SERIES_STORE, entries.series.map(({ granularity, start }) => seriesKey(experimentId, granularity, start)), experimentId),
  ]);
  const metrics = metricIdsOf(state, definitions);
  return {
    ...toResults(state, definitions, publication),
    breakdowns: entries.breakdowns.flatMap(({ dimension, value }, i) => {
      const cells = breakdownCells[i];
      return cells ? [toBreakdown(experimentId, dimension, value, cells, metrics, now)] : [];
    }),
    series: entries.series.flatMap(({ granularity, start }, i) => {
      const cells = seriesCells[i];
      return cells ? [toSeries(experimentId, granularity, start, cells, now)] : [];
    }),
  };
}

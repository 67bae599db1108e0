import type { DefinitionsCatalog } from '@abtest/definitions';
import type { BreakdownResults, ExperimentResults, SeriesResults } from '@abtest/results-contract';
import type { KafkaStreams } from '@abtest/streams';
import { DAY_MS, type CellDelta, type SeriesCellDelta } from './delta';
import { metricIdsOf, OTHER_VALUE, toBreakdown, toResults, toSeries, type CellsState, type ExperimentState } from './results';
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
export async function queryExperiment(streams: StoreQueries, definitions: DefinitionsCatalog, experimentId: string, now = Date.now()): Promise<ExperimentSnapshot | undefined> {
  const state = await streams.query<ExperimentState>(RESULTS_STORE, experimentId);
  if (!state) return undefined;
  const entries = entriesOf(state);
  // Breakdown and series entries live in the experiment's partition: queried with the experiment id as partition key.
  const [breakdownCells, seriesCells] = await Promise.all([
    streams.queryAll<CellsState<CellDelta>>(BREAKDOWNS_STORE, entries.breakdowns.map(({ dimension, value }) => breakdownKey(experimentId, dimension, value)), experimentId),
    streams.queryAll<CellsState<SeriesCellDelta>>(SERIES_STORE, entries.series.map(({ granularity, start }) => seriesKey(experimentId, granularity, start)), experimentId),
  ]);
  const metrics = metricIdsOf(state, definitions);
  return {
    ...toResults(state, definitions),
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

/** The breakdown and series entries an experiment has (the `other` value of each dimension included, hourly and daily buckets). */
function entriesOf(state: ExperimentState): { breakdowns: Array<{ dimension: string; value: string }>; series: Array<{ granularity: SeriesResults['granularity']; start: number }> } {
  const days = [...new Set(state.series_hours.map((hour) => Math.floor(hour / DAY_MS) * DAY_MS))];
  return {
    breakdowns: Object.entries(state.dimension_values).flatMap(([dimension, values]) => [...values, OTHER_VALUE].map((value) => ({ dimension, value }))),
    series: [...state.series_hours.map((start) => ({ granularity: 'hour' as const, start })), ...days.map((start) => ({ granularity: 'day' as const, start }))],
  };
}

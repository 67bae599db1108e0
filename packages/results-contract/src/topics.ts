/** The three topics the processor writes and the results service reads. */
export interface ResultsTopics {
  /** Key experiment_id: ExperimentResults. */
  results: string;
  /** Key `<experiment_id>|<dimension>|<value>`: BreakdownResults. */
  breakdowns: string;
  /** Key `<experiment_id>|<granularity>|<bucket_start>`: SeriesResults. */
  series: string;
}

/**
 * The topics beside a results topic: `<results>-breakdowns` and
 * `<results>-series` unless named otherwise (BREAKDOWNS_TOPIC, SERIES_TOPIC).
 * k8s/base/topics/create-topics.sh builds the same defaults (a test checks it).
 */
export function resultsTopics(results: string, named: { breakdowns?: string | undefined; series?: string | undefined } = {}): ResultsTopics {
  return { results, breakdowns: named.breakdowns ?? `${results}-breakdowns`, series: named.series ?? `${results}-series` };
}

/** The registry subject of a topic's values (Confluent's TopicNameStrategy). */
export const valueSubject = (topic: string): string => `${topic}-value`;

import { TopologyBuilder, type Serializer, type Topology } from '@abtest/streams';
import { DEDUP_STORE, ExposureProcessor, PERSONS_STORE } from './exposure-processor';
import { RESULTS_STORE, ResultsProcessor } from './results-processor';
import { addDelta, type ExperimentDelta } from './results';

export interface ExperimentTopologyOptions {
  applicationId: string;
  eventsTopic: string;
  resultsTopic: string;
  /** How long a messageId is remembered to drop resent events. */
  dedupWindowMs: number;
  /** Encodes results records (Avro with the schema registry, or JSON). */
  serializeResults: Serializer;
}

/**
 * events (keyed by person) ─▶ exposures [dedup, persons] ─▶ repartition by experiment
 *   ─▶ results [results] ─▶ results topic (newest record per experiment each commit)
 */
export function buildExperimentTopology(options: ExperimentTopologyOptions): Topology {
  return new TopologyBuilder(options.applicationId)
    .addSource('events', [options.eventsTopic])
    .addProcessor('exposures', () => new ExposureProcessor(), 'events')
    .addStateStore({ name: DEDUP_STORE, retentionMs: options.dedupWindowMs }, 'exposures')
    .addStateStore({ name: PERSONS_STORE }, 'exposures')
    .addRepartition('by-experiment', ['exposures'], (previous, next) => addDelta(structuredClone(previous as ExperimentDelta), next as ExperimentDelta))
    .addProcessor('results', () => new ResultsProcessor(), 'by-experiment')
    .addStateStore({ name: RESULTS_STORE }, 'results')
    .addSink('results-sink', options.resultsTopic, ['results'], { serialize: options.serializeResults, merge: (_previous, next) => next })
    .build();
}

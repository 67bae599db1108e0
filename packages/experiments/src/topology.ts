import type { DefinitionsCatalog } from '@abtest/definitions';
import { resultsTopics } from '@abtest/results-contract';
import { TopologyBuilder, type Serializer, type Topology } from '@abtest/streams';
import { AttributionProcessor, PERSONS_STORE } from './attribution-processor';
import { mergeDelta, type ExperimentDelta } from './delta';
import { DEDUP_STORE, IngestProcessor, LINKS_STORE, TO_ATTRIBUTION } from './ingest-processor';
import { BREAKDOWNS_SINK, BREAKDOWNS_STORE, RESULTS_SINK, RESULTS_STORE, ResultsProcessor, SERIES_SINK, SERIES_STORE } from './results-processor';
import { FIRST_GENERATION, type Publication } from './publication';
import { IDENTITIES_STORE, PENDING_STORE, StitchProcessor } from './stitch-processor';

export interface ExperimentTopologyOptions {
  applicationId: string;
  eventsTopic: string;
  resultsTopic: string;
  /** Default `<resultsTopic>-breakdowns`. */
  breakdownsTopic?: string;
  /** Default `<resultsTopic>-series`. */
  seriesTopic?: string;
  /** How long a messageId is remembered to drop resent events. Default 7 days. */
  dedupWindowMs?: number;
  /** How long (by arrival) out-of-order events and unlinked userId-only events are remembered. Default 1 hour. */
  graceMs?: number;
  /** Breakdown dimensions: `context.os.name`, `context.device.type`, `traits.<name>`... */
  dimensions?: string[];
  /** Distinct values per breakdown dimension before the rest is `other`. Default 20. */
  maxBreakdownValues?: number;
  /** How often (wall-clock) the results stage re-evaluates experiments without events. Default 1000. */
  punctuateIntervalMs?: number;
  /** The experiment and metric definitions, followed live (a global table). */
  definitions: DefinitionsCatalog;
  /** Whether this state generation publishes (a rebuild does not until it takes over). Default: always, from version 1. */
  publication?: Publication;
  /** Encoders of the three output topics (Avro with the schema registry); JSON by default. */
  serializers?: { results: Serializer; breakdowns: Serializer; series: Serializer };
}

export const TOPOLOGY_DEFAULTS = {
  dedupWindowMs: 7 * 86_400_000,
  graceMs: 3_600_000,
  dimensions: ['context.os.name', 'context.device.type', 'traits.plan'],
  maxBreakdownValues: 20,
  punctuateIntervalMs: 1_000,
} as const;

const json: Serializer = (value) => JSON.stringify(value);

const newest = (_previous: unknown, next: unknown): unknown => next;
// In place: the sink's cache owns `previous` (see SinkNode.merge); a copy per event cost more than the rest of the stage.
const sumDeltas = (previous: unknown, next: unknown): unknown => mergeDelta(previous as ExperimentDelta, next as ExperimentDelta);

/**
 * events (keyed by person) ─▶ ingest [dedup, links] ─┬─────────────────────────────▶ attribution [persons]
 *                                                    └▶ by-user ─▶ stitch [identities, pending] ─▶ by-person ─┘
 *   attribution ─▶ by-experiment (increments summed per commit) ─▶ results [results, breakdowns, series]
 *   ─▶ results, breakdowns and series topics (newest record per key each commit)
 */
export function buildExperimentTopology(options: ExperimentTopologyOptions): Topology {
  const { definitions } = options;
  const { dedupWindowMs, graceMs, maxBreakdownValues, punctuateIntervalMs } = { ...TOPOLOGY_DEFAULTS, ...options };
  const dimensions = options.dimensions ?? [...TOPOLOGY_DEFAULTS.dimensions];
  const serializers = options.serializers ?? { results: json, breakdowns: json, series: json };
  const topics = resultsTopics(options.resultsTopic, { breakdowns: options.breakdownsTopic, series: options.seriesTopic });
  return new TopologyBuilder(options.applicationId)
    .addSource('events', [options.eventsTopic])
    .addProcessor('ingest', () => new IngestProcessor(), 'events')
    .addStateStore({ name: DEDUP_STORE, retentionMs: dedupWindowMs, cached: false }, 'ingest')
    .addStateStore({ name: LINKS_STORE }, 'ingest')
    .addRepartition('by-user', ['ingest'])
    .addProcessor('stitch', () => new StitchProcessor(graceMs), 'by-user')
    .addStateStore({ name: IDENTITIES_STORE }, 'stitch')
    .addStateStore({ name: PENDING_STORE }, 'stitch')
    .addRepartition('by-person', ['stitch'])
    .addProcessor(TO_ATTRIBUTION, () => new AttributionProcessor({ definitions, graceMs, dimensions }), 'ingest', 'by-person')
    .addStateStore({ name: PERSONS_STORE }, TO_ATTRIBUTION)
    .addRepartition('by-experiment', [TO_ATTRIBUTION], sumDeltas)
    .addProcessor('results', () => new ResultsProcessor({ definitions, maxBreakdownValues, punctuateIntervalMs, publication: options.publication ?? FIRST_GENERATION }), 'by-experiment')
    .addStateStore({ name: RESULTS_STORE }, 'results')
    .addStateStore({ name: BREAKDOWNS_STORE }, 'results')
    .addStateStore({ name: SERIES_STORE }, 'results')
    .addSink(RESULTS_SINK, topics.results, ['results'], { serialize: serializers.results, merge: newest })
    .addSink(BREAKDOWNS_SINK, topics.breakdowns, ['results'], { serialize: serializers.breakdowns, merge: newest })
    .addSink(SERIES_SINK, topics.series, ['results'], { serialize: serializers.series, merge: newest })
    .build();
}

import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Kafka } from 'kafkajs';
import { parseResultsRecord, type ResultsRecord } from '@abtest/results-contract';
import { facetsOf, type StatusFacets } from '@abtest/results-view';
import { testStackEnv, uniqueName } from '@abtest/test-harness';
import { WRITE_KEY, basicAuth } from '../ingress/ingress-helpers';
import { startIngressProcess, type IngressProcess } from '../ingress/ingress-process';
import { waitUntilReady } from '../processor/processor-helpers';
import { startProcessorProcess, type ProcessorProcess } from '../processor/processor-process';
import { startResultsProcess, type ResultsProcess } from '../results/results-helpers';
import type { StartedProcess } from './pipeline-clients';

/** Segment's libraries send at most this many events per batch request in this test (the ingress allows more). */
export const EVENTS_PER_REQUEST = 100;
/** Consumers of this test poll briefly: disconnecting waits for the fetch in flight. */
const FETCH_MAX_WAIT_MS = 100;

export interface BatchReply {
  status: number;
  accepted: unknown;
  rejected: unknown;
}

/**
 * Posts the events to the ingress as Segment batches (`POST /v1/batch`, write
 * key as Basic auth, `sentAt` as the libraries set it), one request after the
 * other so the events topic holds them in this order; returns every answer.
 */
export async function postBatches(ingressUrl: string, events: unknown[]): Promise<BatchReply[]> {
  const replies: BatchReply[] = [];
  for (let start = 0; start < events.length; start += EVENTS_PER_REQUEST) {
    const response = await fetch(`${ingressUrl}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth(WRITE_KEY) },
      body: JSON.stringify({ batch: events.slice(start, start + EVENTS_PER_REQUEST), sentAt: new Date().toISOString(), context: { library: { name: 'pipeline-test' } } }),
    });
    const body = (await response.json()) as { accepted?: unknown; rejected?: unknown };
    replies.push({ status: response.status, accepted: body.accepted, rejected: body.rejected });
  }
  return replies;
}

export interface PipelineOptions {
  runId: string;
  eventsTopic: string;
  definitionsTopic: string;
  /** uniqueResultsEnv(): the results topics, decisions topic and Redis prefix of the results service. */
  resultsEnv: Record<string, string>;
  slackUrl: string;
  dashboardBaseUrl: string;
}

/** The processor's variables in a pipeline: to start another one after a crash. */
export function pipelineProcessorEnv(options: Pick<PipelineOptions, 'runId' | 'eventsTopic' | 'definitionsTopic' | 'resultsEnv'>): Record<string, string> {
  return {
    PROCESSOR_APPLICATION_ID: `${options.runId}-app`,
    EVENTS_TOPIC: options.eventsTopic,
    RESULTS_TOPIC: options.resultsEnv.RESULTS_TOPIC as string,
    RESULTS_TOPIC_PARTITIONS: options.resultsEnv.RESULTS_TOPIC_PARTITIONS as string,
    DEFINITIONS_TOPIC: options.definitionsTopic,
    REDIS_KEY_PREFIX: `${options.runId}-processor:`,
    COMMIT_INTERVAL_MS: '100',
  };
}

/**
 * Starts the ingress (one events partition: the processor counts the events
 * in the order they were sent, so each results record is a prefix of the
 * traffic), the processor and the results service as processes, each pushed
 * to `started` as soon as it runs so the caller stops it whatever fails next.
 */
export async function startPipeline(options: PipelineOptions, started: StartedProcess[]) {
  const ingress: IngressProcess = await startIngressProcess({
    KAFKA_BROKERS: testStackEnv().kafkaBrokers.join(','),
    INGRESS_MODE: 'production',
    INGRESS_SOURCES: JSON.stringify([{ name: 'web', writeKeys: [WRITE_KEY] }]),
    INGRESS_TOPIC: options.eventsTopic,
    INGRESS_DEAD_LETTER_TOPIC: `${options.eventsTopic}-dead`,
    INGRESS_TOPIC_PARTITIONS: '1',
    LOG_LEVEL: 'warn',
  });
  started.push(ingress);
  const processor: ProcessorProcess = await startProcessorProcess(pipelineProcessorEnv(options));
  started.push(processor);
  await waitUntilReady(processor);
  const results: ResultsProcess = await startResultsProcess({ ...options.resultsEnv, SLACK_WEBHOOK_URL: options.slackUrl, DASHBOARD_BASE_URL: options.dashboardBaseUrl });
  started.push(results);
  return { ingress, processor, results };
}

/** The facets a status path follows: the status and the winner. */
export type PathFacets = Pick<StatusFacets, 'status' | 'winner'>;

/** One results record as the status path sees it. */
export interface ResultsPoint extends StatusFacets {
  version: number;
  updated_at: number;
  /** Persons per variant, in the record's order. */
  persons: Array<[string, number | null]>;
}

/**
 * Follows the results topic like a downstream team: every value must be Avro
 * (Confluent wire format, magic byte 0) and match the results contract;
 * keeps the newest record per experiment and every record's facets in
 * version order, and collects what it could not read instead of throwing.
 */
export async function followResultsTopic(kafka: Kafka, topic: string, registry: SchemaRegistry) {
  const latest = new Map<string, ResultsRecord>();
  const history = new Map<string, ResultsPoint[]>();
  const unreadable: string[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('pipeline-results'), maxWaitTimeInMs: FETCH_MAX_WAIT_MS });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      if (!message.value) return;
      if (message.value[0] !== 0) {
        unreadable.push(`partition ${partition} offset ${message.offset}: not Avro (first byte ${message.value[0]})`);
        return;
      }
      let record: ResultsRecord;
      try {
        record = parseResultsRecord(await registry.decode(message.value));
      } catch (error) {
        unreadable.push(`partition ${partition} offset ${message.offset}: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
      const points = history.get(record.experiment_id) ?? [];
      points.push({ version: record.version, updated_at: record.updated_at, persons: record.variants.map((v) => [v.variant_id, v.persons]), ...facetsOf(record) });
      history.set(record.experiment_id, points.sort((a, b) => a.version - b.version));
      if ((latest.get(record.experiment_id)?.version ?? -1) < record.version) latest.set(record.experiment_id, record);
    },
  });
  return { latest, history, unreadable, stop: () => consumer.disconnect() };
}

/** The distinct facets of an experiment's records in version order: its status path. */
export function statusPath(points: ResultsPoint[]): PathFacets[] {
  return points.reduce<PathFacets[]>((path, { status, winner }) => {
    const last = path[path.length - 1];
    return last && last.status === status && last.winner === winner ? path : [...path, { status, winner }];
  }, []);
}

/** Persons and sign-ups per variant of a results record, comparable with the generated totals. */
export function variantFigures(record: ResultsRecord | undefined, metricId: string): Record<string, { persons: number | null; converted: number | null }> {
  return Object.fromEntries(
    (record?.variants ?? []).map((v) => [v.variant_id, { persons: v.persons, converted: v.metrics.find((m) => m.metric_id === metricId)?.persons_converted ?? null }]),
  );
}

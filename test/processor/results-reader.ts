import type { Kafka } from 'kafkajs';
import { waitFor } from '@abtest/local-stack';
import type { ExperimentResults } from '@abtest/results-contract';
import { uniqueName } from '@abtest/test-harness';
import type { ExpectedVariant } from './expected-counts';

/**
 * Follows an output topic like a downstream consumer, keeping the newest
 * record (highest version) per key, and every version per key in the
 * order the topic holds them.
 */
export async function followLatest<R extends { version: number }>(kafka: Kafka, topic: string, keyOf: (record: R) => string, decode: (value: Buffer) => Promise<unknown> = async (v) => JSON.parse(v.toString()), onRecord?: (record: R) => void) {
  const latest = new Map<string, R>();
  const versions = new Map<string, number[]>();
  const consumer = kafka.consumer({ groupId: uniqueName('results-reader'), readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (!message.value) return;
      const record = (await decode(message.value)) as R;
      const key = keyOf(record);
      versions.set(key, [...(versions.get(key) ?? []), record.version]);
      onRecord?.(record);
      const previous = latest.get(key);
      if (!previous || previous.version < record.version) latest.set(key, record);
    },
  });
  return { latest, versions, stop: () => consumer.disconnect() };
}

/** The newest results record per experiment. */
export const followResults = (kafka: Kafka, topic: string, decode?: (value: Buffer) => Promise<unknown>) => followLatest<ExperimentResults>(kafka, topic, (r) => r.experiment_id, decode);

/** The results as flat rows, comparable with the SQL rows. */
export function flatten(latest: Map<string, ExperimentResults>): ExpectedVariant[] {
  return [...latest.values()].flatMap((r) =>
    r.variants.map((v) => ({ experiment_id: r.experiment_id, variant_id: v.variant_id, unique_views: v.unique_views, total_views: v.total_views, unique_clicks: v.unique_clicks, total_clicks: v.total_clicks })),
  );
}

export const sortRows = (rows: ExpectedVariant[]): ExpectedVariant[] => [...rows].sort((a, b) => `${a.experiment_id}/${a.variant_id}`.localeCompare(`${b.experiment_id}/${b.variant_id}`));

/** Waits until the published results equal the expected rows; on timeout the assertion shows the difference. */
export async function waitForResults(latest: Map<string, ExperimentResults>, expected: ExpectedVariant[], timeoutMs = 60_000): Promise<void> {
  // An empty reference would be met by any output of the same emptiness: a generator or oracle bug, not a pass.
  expect(expected.length).toBeGreaterThan(0);
  const want = JSON.stringify(sortRows(expected));
  try {
    await waitFor(() => JSON.stringify(sortRows(flatten(latest))) === want, { description: 'results equal to the independent computation', timeoutMs, intervalMs: 200 });
  } catch (error) {
    expect(sortRows(flatten(latest))).toEqual(sortRows(expected));
    throw error;
  }
}

import { GlobalTable, type Logger } from '@abtest/streams';
import type { Kafka } from 'kafkajs';

/** Reads a record value's `version` (Avro or JSON: the caller's decoder). */
export type VersionReader = (value: Buffer) => Promise<number>;

/**
 * The newest version per key of each results topic, read to its end: where
 * a generation taking the topics over continues. Versions only grow per
 * key, so the last record of a key holds its newest.
 */
export async function readPublishedVersions(kafka: Kafka, logger: Logger, topics: Record<string, string>, versionOf: VersionReader): Promise<Record<string, Map<string, number>>> {
  const entries = await Promise.all(
    Object.entries(topics).map(async ([kind, topic]) => {
      const last = new Map<string, Buffer>();
      const table = new GlobalTable({ kafka, topic, logger, groupIdPrefix: 'published-versions', onRecord: (key, value) => void (value === null ? last.delete(key) : last.set(key, value)) });
      try {
        await table.start();
      } finally {
        await table.close();
      }
      const versions = new Map<string, number>();
      for (const [key, value] of last) versions.set(key, await versionOf(value));
      return [kind, versions] as const;
    }),
  );
  return Object.fromEntries(entries);
}

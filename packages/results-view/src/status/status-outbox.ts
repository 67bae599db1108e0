import type { Cluster, Redis } from 'ioredis';
import { OutboxError } from '../errors';
import type { ResultsRecord } from '@abtest/results-contract';
import { ADVANCE_NOT_NEWER, ADVANCE_UNCHANGED, loadStatusScripts, type StatusScripts } from './commands';
import type { StatusKeys } from './keys';
import { FACET_FIELDS, facetsOf, statusSnapshot, statusSnapshotSchema, type StatusChange, type StatusFacets } from './status-change';

/** Outbox entries kept (approximately): far more than any destination lags behind, small in memory. */
export const OUTBOX_MAX_LENGTH = 10_000;

export type AdvanceOutcome = 'not_newer' | 'unchanged' | 'changed';

/**
 * The durable memory of each experiment's status, shared by every instance:
 * `advance(record)` atomically compares the record with what Redis
 * remembers and appends a status change to the outbox stream at most once
 * per change, however many instances read the record and however often it
 * is replayed.
 */
export class StatusOutbox {
  private readonly scripts: StatusScripts;

  constructor(
    redis: Redis | Cluster,
    private readonly keys: StatusKeys,
  ) {
    this.scripts = loadStatusScripts(redis);
  }

  async advance(record: ResultsRecord): Promise<AdvanceOutcome> {
    const facets = facetsOf(record);
    const args = [record.version, record.experiment_id, JSON.stringify(statusSnapshot(record)), OUTBOX_MAX_LENGTH, ...FACET_FIELDS.flatMap((field) => [field, facets[field]])];
    const reply = await this.scripts.advanceState(this.keys.state(record.experiment_id), this.keys.outbox, args);
    if (reply === ADVANCE_NOT_NEWER) return 'not_newer';
    if (reply === ADVANCE_UNCHANGED) return 'unchanged';
    return 'changed';
  }
}

/** Reads one outbox entry (field, value, field, value...) back into a StatusChange. */
export function parseOutboxEntry(id: string, fields: string[]): StatusChange {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i] as string, fields[i + 1] as string);
  // Entries written before a facet existed read it as absent ('').
  const facet = (name: string) => map.get(name) ?? '';
  const facets = (prefix: string): StatusFacets => ({ status: facet(`${prefix}status`), winner: facet(`${prefix}winner`), guardrail_failures: facet(`${prefix}guardrail_failures`) });
  const experimentId = map.get('experiment_id');
  const version = Number(map.get('version'));
  const snapshot = statusSnapshotSchema.safeParse(parseJson(map.get('snapshot')));
  if (!experimentId || !Number.isInteger(version) || !snapshot.success) {
    throw new OutboxError(`outbox entry ${id} is malformed: expected experiment_id, an integer version and a snapshot, got ${JSON.stringify(Object.fromEntries(map))}`);
  }
  return { id, experimentId, version, previous: facets('previous_'), current: facets(''), snapshot: snapshot.data };
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Reported by the caller as a malformed entry, with the text.
    return undefined;
  }
}

import { createHash } from 'node:crypto';
import type { DefinitionsCatalog } from '@abtest/definitions';
import { startTimeOf } from './analysis';
import type { ExperimentState } from './results';

/**
 * The key of the index in the results store. Experiment ids come from events
 * and definitions; none starts with a NUL, so the index never shadows one.
 */
export const INDEX_KEY = '\u0000index';

/** What the results stage needs to know about an experiment to re-evaluate it without an event. */
export interface IndexEntry {
  /**
   * When its minimum runtime ends, while its last analysis came before that
   * and said `collecting`; null when time alone cannot change its status.
   */
  due_at: number | null;
  /** Digest of every definition its record depends on: a change re-evaluates it. */
  definitions: string;
}

/**
 * The experiments of one task (entry INDEX_KEY of the results store,
 * changelogged like every entry: it survives a crash and a Redis loss).
 */
export interface ResultsIndex {
  experiments: Record<string, IndexEntry>;
  /** Set by a generation being rebuilt: it holds entries it has not published yet (see publication.ts). */
  unpublished?: true;
}

export const emptyIndex = (): ResultsIndex => ({ experiments: {} });

/**
 * Digests of the experiment's definition, the metrics it reports and their
 * roles: what analyze() and toResults() read from the catalog. Computed once
 * per experiment and catalog version, not for every record published.
 */
export class DefinitionsDigests {
  private version: number | undefined;
  private readonly digests = new Map<string, string>();

  constructor(private readonly definitions: DefinitionsCatalog) {}

  of(experimentId: string): string {
    if (this.version !== this.definitions.version) {
      this.digests.clear();
      this.version = this.definitions.version;
    }
    let digest = this.digests.get(experimentId);
    if (digest === undefined) {
      const { definitions } = this;
      const inputs = [definitions.experiment(experimentId) ?? null, definitions.metricsFor(experimentId), [...definitions.metricRoles(experimentId)]];
      digest = createHash('sha1').update(JSON.stringify(inputs)).digest('base64');
      this.digests.set(experimentId, digest);
    }
    return digest;
  }
}

/** The index entry of an experiment whose state was just analysed at `now`. */
export function indexEntry(state: ExperimentState, definitions: DefinitionsCatalog, digests: DefinitionsDigests, now: number): IndexEntry {
  const definition = definitions.experiment(state.experiment_id);
  // Every gate that outranks the runtime (SRM, guardrails) is decided already; significance waits for it.
  const runtimeEndsAt = startTimeOf(state, definition, now) + (definition?.min_runtime_ms ?? 0);
  const waitsForRuntime = state.analysis?.status === 'collecting' && runtimeEndsAt > now;
  return { due_at: waitsForRuntime ? runtimeEndsAt : null, definitions: digests.of(state.experiment_id) };
}

export const sameEntry = (a: IndexEntry | undefined, b: IndexEntry): boolean => a !== undefined && a.due_at === b.due_at && a.definitions === b.definitions;

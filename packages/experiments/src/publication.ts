import type { BackfillProgress } from '@abtest/results-contract';

export type ResultsTopicKind = 'results' | 'breakdowns' | 'series';

/**
 * How the results stage of one state generation publishes. The live
 * generation publishes; a generation being rebuilt from the raw topic (a
 * backfill or a reprocess) keeps its state without publishing, its versions
 * at 0, until it takes the results topics over: then each key continues from
 * the version the previous generation published last (`versionBase`), so a
 * consumer sees no gap and no repeat.
 */
export interface Publication {
  readonly publishing: boolean;
  /** The newest version published for a key of a results topic before this generation took over; 0 for none. */
  versionBase(topic: ResultsTopicKind, key: string): number;
  /** The progress of a rebuild under way, shown in every results record; null when none runs. */
  backfill(): BackfillProgress | null;
  /** When this generation's history starts, if events before it were past the raw topic's retention at its rebuild; else null. */
  countedFrom(): number | null;
}

/** A generation that always published: the only one before any rebuild. */
export const FIRST_GENERATION: Publication = { publishing: true, versionBase: () => 0, backfill: () => null, countedFrom: () => null };

/** The version a key's next record gets: one past its last, or past the previous generation's last for its first. */
export const nextVersion = (publication: Publication, topic: ResultsTopicKind, key: string, current: number): number =>
  current === 0 ? publication.versionBase(topic, key) + 1 : current + 1;

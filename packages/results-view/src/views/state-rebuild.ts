import type { BackfillView, ExperimentSummary, ResultsRecord } from '@abtest/results-contract';

const isoTime = (epochMs: number): string => new Date(epochMs).toISOString();

/** A state rebuild in progress as the API shows it: ISO start, progress as a percentage with one decimal. */
export function backfillView(backfill: ResultsRecord['backfill']): BackfillView | null {
  if (!backfill) return null;
  return {
    generation: backfill.generation,
    reason: backfill.reason,
    started_at: isoTime(backfill.started_at),
    events_read: backfill.events_read,
    events_total: backfill.events_total,
    percent: Math.round(backfill.progress * 1000) / 10,
    eta_seconds: backfill.eta_seconds,
  };
}

/** Where the figures count from when the raw topic's retention cut the history at the last rebuild, with the note that says so (UTC day). */
export function countedFrom(record: ResultsRecord): Pick<ExperimentSummary, 'counted_from' | 'history_note'> {
  if (record.counted_from === null) return { counted_from: null, history_note: null };
  const iso = isoTime(record.counted_from);
  return { counted_from: iso, history_note: `counted from ${iso.slice(0, 10)}: earlier events are past retention` };
}

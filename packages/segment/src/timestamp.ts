/**
 * An ISO-8601 date-time with an explicit offset (`Z` or `±hh:mm`), as
 * Segment's libraries send (`2024-05-01T12:00:00.000Z`). A time without an
 * offset is local to an unknown zone, so it is refused rather than guessed.
 */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

export function isIsoTimestamp(value: string): boolean {
  return ISO_DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
}

export const ISO_TIMESTAMP_REASON = 'must be an ISO-8601 date-time with an offset, e.g. 2024-05-01T12:00:00.000Z';

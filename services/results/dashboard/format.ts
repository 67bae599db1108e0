const integer = new Intl.NumberFormat('en-US');

export const count = (value: number | null | undefined): string => (value === null || value === undefined ? '—' : integer.format(value));

export function percent(value: number | null | undefined, digits = 1, signed = false): string {
  if (value === null || value === undefined) return '—';
  const text = `${(value * 100).toFixed(digits)}%`;
  return signed && value > 0 ? `+${text}` : text;
}

export function interval(lower: number | null, upper: number | null): string {
  if (lower === null || upper === null) return '';
  return `[${percent(lower, 1, true)}, ${percent(upper, 1, true)}]`;
}

export function pValue(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (value < 0.0001) return '< 0.0001';
  return value.toFixed(4);
}

/** A length of time in its largest unit: "40 s", "3 min", "5 h", "3 days". */
export function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} days`;
}

export const age = (ms: number): string => `${duration(ms)} ago`;

export const dateTime = (epochMs: number): string => new Date(epochMs).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });

export const STATUS_LABELS: Record<string, string> = { collecting: 'Collecting', significant: 'Significant', guardrail_failed: 'Guardrail failed', invalid_srm: 'Invalid: SRM' };

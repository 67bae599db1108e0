/**
 * The Kafka record key of an event: its `anonymousId`, else its `userId`.
 * All events of one browser or app install (exposures included) share the
 * anonymousId, so they land in one partition, in order, even after the user
 * logs in. The ingress and the processor both use this exact function.
 * Numbers are keyed as their decimal string; empty or missing ids give
 * `undefined`.
 */
export function personKey(message: { anonymousId?: unknown; userId?: unknown }): string | undefined {
  return asId(message.anonymousId) ?? asId(message.userId);
}

function asId(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

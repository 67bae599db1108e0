import { EXPERIMENT_CLICKED, EXPERIMENT_VIEWED, parseIsoTimestamp, personKey } from '@abtest/segment';

export const EXPOSURE_EVENT = EXPERIMENT_VIEWED;
export const CLICK_EVENT = EXPERIMENT_CLICKED;

/** An exposure or click, read from a normalized Segment track event. */
export interface ExperimentEvent {
  kind: 'view' | 'click';
  experimentId: string;
  experimentName: string;
  variantId: string;
  variantName: string;
  person: string;
  messageId: string | undefined;
  /** When the ingress received the event (epoch ms), for freshness. */
  receivedAt: number;
}

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
export const text = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined);

/**
 * Reads either naming: the seed article's `experimentName`/`variationName`,
 * or Segment's A/B testing spec `experiment_id`/`experiment_name`/
 * `variation_id`/`variation_name`. The id wins over the name as the key.
 * Anything else (other events, missing experiment or person) is undefined.
 */
export function toExperimentEvent(event: unknown): ExperimentEvent | undefined {
  if (!isObject(event) || event.type !== 'track') return undefined;
  const kind = event.event === EXPOSURE_EVENT ? 'view' : event.event === CLICK_EVENT ? 'click' : undefined;
  const properties = event.properties;
  if (!kind || !isObject(properties)) return undefined;
  const experimentName = text(properties.experiment_name) ?? text(properties.experimentName);
  const experimentId = text(properties.experiment_id) ?? experimentName;
  const variantName = text(properties.variation_name) ?? text(properties.variationName);
  const variantId = text(properties.variation_id) ?? variantName;
  const person = personKey(event);
  if (!experimentId || !variantId || !person) return undefined;
  return {
    kind,
    experimentId,
    experimentName: experimentName ?? experimentId,
    variantId,
    variantName: variantName ?? variantId,
    person,
    messageId: text(event.messageId),
    receivedAt: receivedAtOf(event),
  };
}

const parseTime = (value: unknown): number | undefined => (typeof value === 'string' ? parseIsoTimestamp(value) : undefined);

/** When the ingress received the event (epoch ms), 0 if unknown. */
export const receivedAtOf = (event: Json): number => parseTime(event.receivedAt) ?? 0;

/** Event time: Segment's `timestamp`, else `originalTimestamp`, else `receivedAt`, else `fallback` (the record's time). */
export const eventTimeOf = (event: Json, fallback: number): number => parseTime(event.timestamp) ?? parseTime(event.originalTimestamp) ?? parseTime(event.receivedAt) ?? fallback;

/** The value at a dotted path (`context.os.name`), or undefined. */
export function valueAt(event: Json, path: string): unknown {
  let current: unknown = event;
  for (const segment of path.split('.')) {
    if (!isObject(current)) return undefined;
    current = current[segment];
  }
  return current;
}

/**
 * An identity link: this anonymousId and this userId are one person. From
 * `alias` (previousId → userId) or any event carrying both ids.
 */
export function identityLink(event: Json): { anonymousId: string; userId: string } | undefined {
  const userId = text(event.userId);
  if (!userId) return undefined;
  const anonymousId = event.type === 'alias' ? (text(event.previousId) ?? text(event.anonymousId)) : text(event.anonymousId);
  return anonymousId && anonymousId !== userId ? { anonymousId, userId } : undefined;
}

import { personKey } from '@abtest/segment';

export const EXPOSURE_EVENT = 'Experiment Viewed';
export const CLICK_EVENT = 'Experiment Clicked';

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

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : typeof value === 'number' ? String(value) : undefined);

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
  const receivedAt = typeof event.receivedAt === 'string' ? Date.parse(event.receivedAt) : NaN;
  return {
    kind,
    experimentId,
    experimentName: experimentName ?? experimentId,
    variantId,
    variantName: variantName ?? variantId,
    person,
    messageId: text(event.messageId),
    receivedAt: Number.isNaN(receivedAt) ? 0 : receivedAt,
  };
}

import { randomUUID } from 'node:crypto';
import type { Workload } from './load';

/** A realistic exposure event as analytics-node sends it: about 450 bytes of JSON. */
function exposure(): Record<string, unknown> {
  const person = `anon-${Math.floor(Math.random() * 100_000)}`;
  return {
    type: 'track',
    event: 'Experiment Viewed',
    anonymousId: person,
    messageId: randomUUID(),
    timestamp: new Date().toISOString(),
    properties: { experiment_id: 'checkout-button-color', experiment_name: 'Checkout button color', variation_id: Math.random() < 0.5 ? 'control' : 'treatment' },
    context: { library: { name: '@segment/analytics-node', version: '3.1.0' }, page: { path: '/checkout', url: 'https://shop.example.com/checkout' }, locale: 'en-US' },
    integrations: {},
  };
}

export function singleEvents(): Workload {
  return { name: 'single', path: '/v1/track', eventsPerRequest: 1, body: () => JSON.stringify(exposure()) };
}

export function batchOf(size: number): Workload {
  return {
    name: `batch-${size}`,
    path: '/v1/batch',
    eventsPerRequest: size,
    body: () => JSON.stringify({ batch: Array.from({ length: size }, exposure), sentAt: new Date().toISOString() }),
  };
}

/**
 * Every Redis key of the status outbox is built here. They share the hash
 * tag `{results-status}`, so the script that touches an
 * experiment's state and the outbox runs on one Redis Cluster slot.
 */
export interface StatusKeys {
  /** Hash per experiment: remembered `version` and facets. */
  state(experimentId: string): string;
  /** Stream of status changes, read by one consumer group per destination. */
  outbox: string;
}

export function statusKeys(keyPrefix: string): StatusKeys {
  const tag = `${keyPrefix}{results-status}`;
  return {
    state: (experimentId) => `${tag}:state:${experimentId}`,
    outbox: `${tag}:outbox`,
  };
}

/**
 * Every Redis key the runtime uses is built here. All keys of one task share
 * the hash tag `{<application-id>|<task-id>}`, so a task's scripts touch one
 * Redis Cluster slot; different tasks spread over the cluster.
 */
export interface TaskKeys {
  /** Hash: `epoch` and `pos:<store>` (the changelog offset the state reflects). */
  checkpoint: string;
  entry(store: string, key: string): string;
}

export function taskKeys(keyPrefix: string, applicationId: string, taskId: string): TaskKeys {
  const tag = `${keyPrefix}{${applicationId}|${taskId}}`;
  return {
    checkpoint: `${tag}:checkpoint`,
    entry: (store, key) => `${tag}:s:${store}:${key}`,
  };
}

/** A SCAN pattern matching every key of an application's tasks (its ids never hold glob characters: see the processor's config). */
export const taskKeyPattern = (keyPrefix: string, applicationId: string): string => `${keyPrefix}{${applicationId}|*`;

export const EPOCH_FIELD = 'epoch';
export const positionField = (store: string): string => `pos:${store}`;

/**
 * The runtime's Redis layer, internal to @abtest/streams and not part of its
 * public API: exported here only for tests that run it against deployments'
 * Redis topologies (Cluster, TLS + ACL) exactly as KafkaStreams does.
 */
export { loadStateScripts, type StateScripts } from '../commands';
export { taskKeys } from '../keys';
export { TaskState } from '../task-state';

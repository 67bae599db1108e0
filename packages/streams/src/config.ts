import type { Cluster } from 'ioredis';
import type Redis from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { Logger } from './logger';
import type { StateRestoreListener } from './restorer';

/** Kafka Streams' StreamsConfig, for this runtime. */
export interface StreamsConfig {
  kafka: Kafka;
  redis: Redis | Cluster;
  logger: Logger;
  /** Prefix of every Redis key (several applications may share one Redis). Default "streams:". */
  keyPrefix?: string;
  /** commit.interval.ms: how often pending state, outputs and offsets are committed. Default 1000. */
  commitIntervalMs?: number;
  /** Commit earlier once a task holds this many pending store changes. Default 10000. */
  maxPendingChanges?: number;
  /** Committed entries each task keeps in memory to save Redis reads. Default 100000. */
  cacheEntriesPerTask?: number;
  /**
   * Partitions of repartition topics. Default: those of the first source topic.
   * A repartition topic read in one sub-topology together with external topics
   * always gets their partition count (co-partitioning), whatever this says.
   */
  repartitionPartitions?: number;
  /** Replication factor of internal topics. Default: the broker's default (-1). */
  replicationFactor?: number;
  /** session.timeout.ms of the consumer group: how long a silent (e.g. killed) instance keeps its partitions. Default 30000. */
  sessionTimeoutMs?: number;
  /** At most this many records per second from the topology's external source topics (a rebuild beside a live runtime); unlimited by default. */
  maxSourceRecordsPerSecond?: number;
  /** Prometheus registry for the runtime's metrics; none when absent. */
  metrics?: Registry;
  restoreListener?: StateRestoreListener;
}

export const DEFAULTS = {
  keyPrefix: 'streams:',
  commitIntervalMs: 1_000,
  maxPendingChanges: 10_000,
  cacheEntriesPerTask: 100_000,
  replicationFactor: -1,
  sessionTimeoutMs: 30_000,
} as const;

/** Heartbeats per session timeout: several, so one lost heartbeat never expires a session. */
export const HEARTBEATS_PER_SESSION = 10;

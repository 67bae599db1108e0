export { KafkaStreams, type StreamsState } from './kafka-streams';
export { TopologyBuilder, changelogTopic, repartitionTopic, type Topology, type StoreDefinition, type Serializer, type Deserializer } from './topology';
export type { Processor, ProcessorContext, ProcessorSupplier, KeyValueStore } from './processor';
export type { StreamRecord, OutputRecord, StoreKey } from './record';
export type { StreamsConfig } from './config';
export type { Logger } from './logger';
export type { StateRestoreListener } from './restorer';
export { StreamsError, TopologyError, TaskFencedError, StateLostError, NotPrefetchedError } from './errors';
export { TaskCorruptedError } from './task';

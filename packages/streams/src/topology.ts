import { TopologyError } from './errors';
import type { ProcessorSupplier } from './processor';

export type Deserializer = (value: Buffer | null, key: string | null) => unknown;
export type Serializer = (value: unknown) => Buffer | string | null | Promise<Buffer | string | null>;

export interface StoreDefinition {
  name: string;
  /** Entries expire this long after their last put (e.g. a de-duplication window). Its changelog then holds batch records with this time retention (see changelogRecords). */
  retentionMs?: number;
  /**
   * Keep this store's committed entries in the task's read cache (default true).
   * A store whose keys are each read about once (de-duplication by message id)
   * gains nothing from it and would push useful entries out: its reads last one batch.
   */
  cached?: boolean;
}

export interface SourceNode {
  kind: 'source';
  name: string;
  topics: string[];
  deserialize: Deserializer;
}

export interface ProcessorNode {
  kind: 'processor';
  name: string;
  supplier: ProcessorSupplier;
  parents: string[];
  stores: string[];
}

export interface SinkNode {
  kind: 'sink';
  name: string;
  topic: string;
  parents: string[];
  serialize: Serializer;
  /**
   * Coalesces records of one key until the next commit, as Kafka Streams'
   * record cache does: `merge(previous, next)` is what is sent. Without it every record is sent.
   * `previous` belongs to the cache (a forwarded value, or what merge returned): merge may
   * update it in place and return it, which saves a copy per record.
   */
  merge?: (previous: unknown, next: unknown) => unknown;
}

export type TopologyNode = SourceNode | ProcessorNode | SinkNode;

/** Connected part of the topology: one task per partition of its source topics. */
export interface Subtopology {
  id: number;
  sourceTopics: string[];
  /** Sources and processors in an order where parents come before children. */
  nodes: TopologyNode[];
  stores: StoreDefinition[];
}

export interface Topology {
  applicationId: string;
  subtopologies: Subtopology[];
  stores: StoreDefinition[];
  /** Repartition topics the runtime creates (internal). */
  repartitionTopics: string[];
  children(name: string): TopologyNode[];
}

export const CHANGELOG_SUFFIX = '-changelog';
export const changelogTopic = (applicationId: string, store: string): string => `${applicationId}-${store}${CHANGELOG_SUFFIX}`;
export const repartitionTopic = (applicationId: string, name: string): string => `${applicationId}-${name}-repartition`;

const jsonDeserializer: Deserializer = (value) => (value === null ? null : JSON.parse(value.toString('utf8')));
const jsonSerializer: Serializer = (value) => (value === null ? null : JSON.stringify(value));

/** Builds a topology in Kafka Streams' Processor API style. */
export class TopologyBuilder {
  private readonly nodes = new Map<string, TopologyNode>();
  private readonly stores = new Map<string, StoreDefinition>();
  private readonly repartitions: string[] = [];

  constructor(readonly applicationId: string) {
    if (!/^[A-Za-z0-9._-]+$/.test(applicationId)) throw new TopologyError(`application id "${applicationId}" must match [A-Za-z0-9._-]+ (it names topics)`);
  }

  addSource(name: string, topics: string[], deserialize: Deserializer = jsonDeserializer): this {
    if (topics.length === 0) throw new TopologyError(`source "${name}" needs at least one topic`);
    return this.add({ kind: 'source', name, topics, deserialize });
  }

  addProcessor(name: string, supplier: ProcessorSupplier, ...parents: string[]): this {
    return this.add({ kind: 'processor', name, supplier, parents, stores: [] });
  }

  addSink(name: string, topic: string, parents: string[], options: { serialize?: Serializer; merge?: SinkNode['merge'] } = {}): this {
    return this.add({ kind: 'sink', name, topic, parents, serialize: options.serialize ?? jsonSerializer, merge: options.merge });
  }

  /**
   * An internal topic `<application-id>-<name>-repartition`: a sink writes
   * records re-keyed by `parents`, a source named `name` reads them back,
   * partitioned by the new key (Kafka Streams' repartition).
   */
  addRepartition(name: string, parents: string[], merge?: SinkNode['merge']): this {
    const topic = repartitionTopic(this.applicationId, name);
    this.repartitions.push(topic);
    this.addSink(`${name}-sink`, topic, parents, { merge });
    return this.addSource(name, [topic]);
  }

  addStateStore(store: StoreDefinition, ...processorNames: string[]): this {
    if (this.stores.has(store.name)) throw new TopologyError(`state store "${store.name}" is defined twice`);
    if (!/^[A-Za-z0-9._-]+$/.test(store.name)) throw new TopologyError(`state store name "${store.name}" must match [A-Za-z0-9._-]+`);
    this.stores.set(store.name, store);
    for (const processorName of processorNames) {
      const node = this.nodes.get(processorName);
      if (node?.kind !== 'processor') throw new TopologyError(`state store "${store.name}" is connected to "${processorName}", which is not a processor`);
      node.stores.push(store.name);
    }
    return this;
  }

  build(): Topology {
    this.checkEachTopicFeedsOneSource();
    const children = new Map<string, TopologyNode[]>();
    for (const node of this.nodes.values()) {
      if (node.kind === 'source') continue;
      for (const parent of node.parents) {
        const parentNode = this.nodes.get(parent);
        if (!parentNode) throw new TopologyError(`"${node.name}" names an unknown parent "${parent}"`);
        if (parentNode.kind === 'sink') throw new TopologyError(`"${node.name}" cannot have the sink "${parent}" as parent`);
        children.set(parent, [...(children.get(parent) ?? []), node]);
      }
    }
    const subtopologies = this.subtopologies(children);
    return {
      applicationId: this.applicationId,
      subtopologies,
      stores: [...this.stores.values()],
      repartitionTopics: [...this.repartitions],
      children: (name) => children.get(name) ?? [],
    };
  }

  /** A task is found by its source topic and partition: a topic read by two sources would belong to two tasks. */
  private checkEachTopicFeedsOneSource(): void {
    const readBy = new Map<string, string>();
    for (const node of this.nodes.values()) {
      if (node.kind !== 'source') continue;
      for (const topic of node.topics) {
        const other = readBy.get(topic);
        if (other !== undefined) throw new TopologyError(`topic "${topic}" is read by the sources "${other}" and "${node.name}": a topic can feed one source only`);
        readBy.set(topic, node.name);
      }
    }
  }

  private add(node: TopologyNode): this {
    if (this.nodes.has(node.name)) throw new TopologyError(`a node named "${node.name}" already exists`);
    this.nodes.set(node.name, node);
    return this;
  }

  /** Sources connected through shared processors form one sub-topology; nodes in topological order. */
  private subtopologies(children: Map<string, TopologyNode[]>): Subtopology[] {
    const visited = new Set<string>();
    const result: Subtopology[] = [];
    for (const source of this.nodes.values()) {
      if (source.kind !== 'source' || visited.has(source.name)) continue;
      const members = this.component(source.name, children);
      members.forEach((name) => visited.add(name));
      const ordered = this.topologicalOrder(members, children);
      const storeNames = new Set(ordered.flatMap((n) => (n.kind === 'processor' ? n.stores : [])));
      result.push({
        id: result.length,
        sourceTopics: ordered.flatMap((n) => (n.kind === 'source' ? n.topics : [])),
        nodes: ordered,
        stores: [...storeNames].map((name) => this.stores.get(name) as StoreDefinition),
      });
    }
    return result;
  }

  private component(start: string, children: Map<string, TopologyNode[]>): Set<string> {
    const members = new Set<string>();
    const queue = [start];
    while (queue.length > 0) {
      const name = queue.pop() as string;
      if (members.has(name)) continue;
      members.add(name);
      const node = this.nodes.get(name);
      for (const child of children.get(name) ?? []) queue.push(child.name);
      if (node && node.kind !== 'source') queue.push(...node.parents);
    }
    return members;
  }

  private topologicalOrder(members: Set<string>, children: Map<string, TopologyNode[]>): TopologyNode[] {
    const indegree = new Map<string, number>();
    for (const name of members) {
      const node = this.nodes.get(name) as TopologyNode;
      indegree.set(name, node.kind === 'source' ? 0 : node.parents.length);
    }
    const ready = [...members].filter((name) => indegree.get(name) === 0);
    const ordered: TopologyNode[] = [];
    while (ready.length > 0) {
      const name = ready.shift() as string;
      ordered.push(this.nodes.get(name) as TopologyNode);
      for (const child of children.get(name) ?? []) {
        const left = (indegree.get(child.name) ?? 0) - 1;
        indegree.set(child.name, left);
        if (left === 0) ready.push(child.name);
      }
    }
    if (ordered.length !== members.size) throw new TopologyError('the topology has a cycle');
    return ordered;
  }
}

/** A record as processors see it: decoded value, event time, where it came from. */
export interface StreamRecord<V = unknown> {
  key: string | null;
  value: V;
  /** Record timestamp in epoch ms (Kafka's CreateTime unless a processor set one). */
  timestamp: number;
  headers: Record<string, string>;
  topic: string;
  partition: number;
  offset: string;
}

/** What a processor forwards downstream. */
export interface OutputRecord<V = unknown> {
  key: string | null;
  value: V;
  timestamp?: number;
  headers?: Record<string, string>;
}

/** A store key a processor will read while processing a record. */
export interface StoreKey {
  store: string;
  key: string;
}

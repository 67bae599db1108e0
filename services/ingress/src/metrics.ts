import { Counter, Histogram, type Registry } from 'prom-client';
import { isMessageType } from '@abtest/segment';
import type { ErrorCode } from './errors';

const EVENTS_PER_REQUEST_BUCKETS = [1, 10, 100, 500, 1_000, 2_500, 4_000];

interface Increment {
  inc(value?: number): void;
}

/** The ingress' own metrics; HTTP and producer metrics come from their packages. */
export class IngressMetrics {
  private readonly events: Counter<'type' | 'outcome' | 'reason'>;
  private readonly rejections: Counter<'code'>;
  private readonly authentications: Counter<'source' | 'method'>;
  private readonly eventsPerRequest: Histogram;
  /** Labelled children of the hot counters, looked up once per label values (all bounded). */
  private readonly acceptedByType = new Map<string, Increment>();
  private readonly authenticatedBy = new Map<string, Increment>();

  constructor(registry: Registry) {
    this.events = new Counter({
      name: 'ingress_events_total',
      help: 'Events accepted (acknowledged by Kafka) or rejected (dead-lettered), by type and reason',
      labelNames: ['type', 'outcome', 'reason'],
      registers: [registry],
    });
    this.rejections = new Counter({ name: 'ingress_request_errors_total', help: 'Requests answered with an error, by error code', labelNames: ['code'], registers: [registry] });
    this.authentications = new Counter({ name: 'ingress_authentications_total', help: 'Requests authenticated, by source and method', labelNames: ['source', 'method'], registers: [registry] });
    this.eventsPerRequest = new Histogram({ name: 'ingress_request_events', help: 'Events per request', buckets: EVENTS_PER_REQUEST_BUCKETS, registers: [registry] });
  }

  accepted(type: string, count = 1): void {
    const label = typeLabel(type);
    let child = this.acceptedByType.get(label);
    if (!child) {
      child = this.events.labels({ type: label, outcome: 'accepted', reason: '' });
      this.acceptedByType.set(label, child);
    }
    child.inc(count);
  }

  rejected(type: string | undefined, reason: string): void {
    this.events.inc({ type: typeLabel(type), outcome: 'rejected', reason });
  }

  requestError(code: ErrorCode): void {
    this.rejections.inc({ code });
  }

  authenticated(source: string, method: string): void {
    const key = `${source}\n${method}`;
    let child = this.authenticatedBy.get(key);
    if (!child) {
      child = this.authentications.labels({ source, method });
      this.authenticatedBy.set(key, child);
    }
    child.inc();
  }

  requestEvents(count: number): void {
    this.eventsPerRequest.observe(count);
  }
}

/** Label values stay bounded: anything but the six types counts as "unknown". */
function typeLabel(type: string | undefined): string {
  return isMessageType(type) ? type : 'unknown';
}

import type { IncomingHttpHeaders } from 'node:http';
import { SIGNATURE_HEADER } from '@abtest/segment';
import type { RequestCredentials } from '../http/authenticate';
import type { JsonBody } from '../http/body';
import type { IngestReply } from '../ingest';

/** What an event route needs of a request once its body is read. */
export interface EventRequest {
  body: JsonBody;
  credentials: RequestCredentials;
  /** The `topic` query parameter as parsed (a string, or an array when given twice); undefined when absent. */
  topic?: unknown;
}

/**
 * A `POST` route taking events: served by express, and by the lean request
 * listener (`leanEventRoutes`) for plain requests.
 */
export interface EventRoute {
  path: string;
  /** Largest body in bytes (413 naming `limitName` above it). */
  limit: number;
  limitName: string;
  /** Resolves to the 200 answer; rejects with the error to answer. */
  handle(request: EventRequest): Promise<IngestReply>;
}

/** The credential headers of a request. */
export function credentialsOf(headers: IncomingHttpHeaders): RequestCredentials {
  const signature = headers[SIGNATURE_HEADER];
  return { signature: typeof signature === 'string' ? signature : undefined, authorization: headers.authorization };
}

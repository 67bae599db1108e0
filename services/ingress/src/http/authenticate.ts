import { SourceAuthenticator } from '@abtest/segment';
import type { SourceConfig } from '../config';
import { UnauthorizedError } from '../errors';
import type { IngressMetrics } from '../metrics';
import type { JsonBody } from './body';
import type { SourceRateLimiter } from './rate-limit';

/** The credential headers of a request: `X-Signature` and `Authorization`. */
export interface RequestCredentials {
  signature: string | undefined;
  authorization: string | undefined;
}

/**
 * Who sent a request: the source its credentials belong to (401 otherwise),
 * within that source's rate limit (429 with Retry-After otherwise).
 */
export class RequestAuthenticator {
  private readonly authenticator: SourceAuthenticator;

  constructor(
    sources: readonly SourceConfig[],
    options: { acceptFirstEventSignature: boolean },
    private readonly metrics: IngressMetrics,
    private readonly rateLimiter: SourceRateLimiter,
  ) {
    this.authenticator = new SourceAuthenticator(sources, options);
  }

  /** Resolves to the source's name, once the source may send `events` more events. */
  async authenticate(credentials: RequestCredentials, body: JsonBody, events: number): Promise<string> {
    const result = this.authenticator.authenticate({
      rawBody: body.raw,
      body: body.value,
      signature: credentials.signature,
      authorization: credentials.authorization,
    });
    if (!result.ok) throw new UnauthorizedError(result.message);
    if (this.rateLimiter.enabled) await this.rateLimiter.consume(result.source, events);
    this.metrics.authenticated(result.source, result.method);
    return result.source;
  }
}

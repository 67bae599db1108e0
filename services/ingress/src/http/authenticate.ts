import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { SourceAuthenticator } from '@abtest/segment';
import type { SourceConfig } from '../config';
import { RateLimitedError, UnauthorizedError } from '../errors';
import type { IngressMetrics } from '../metrics';
import type { JsonBody } from './body';

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
  private readonly limiters = new Map<string, RateLimiterMemory>();

  constructor(
    sources: readonly SourceConfig[],
    options: { acceptFirstEventSignature: boolean },
    private readonly metrics: IngressMetrics,
  ) {
    this.authenticator = new SourceAuthenticator(sources, options);
    for (const source of sources) {
      if (source.rateLimitPerSecond) this.limiters.set(source.name, new RateLimiterMemory({ points: source.rateLimitPerSecond, duration: 1 }));
    }
  }

  /** Resolves to the source's name. */
  async authenticate(credentials: RequestCredentials, body: JsonBody): Promise<string> {
    const result = this.authenticator.authenticate({
      rawBody: body.raw,
      body: body.value,
      signature: credentials.signature,
      authorization: credentials.authorization,
    });
    if (!result.ok) throw new UnauthorizedError(result.message);
    if (this.limiters.size > 0) await this.withinRateLimit(result.source);
    this.metrics.authenticated(result.source, result.method);
    return result.source;
  }

  private async withinRateLimit(source: string): Promise<void> {
    const limiter = this.limiters.get(source);
    if (!limiter) return;
    try {
      await limiter.consume(source);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw new RateLimitedError(source, Math.max(1, Math.ceil(rejection.msBeforeNext / 1_000)));
      throw rejection;
    }
  }
}

import type { Cluster, Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { SourceConfig } from '../config';
import { RateLimitedError } from '../errors';

/** Redis keys of the shared counters: `abtest-ingress:rate:<source>`. */
const KEY_PREFIX = 'abtest-ingress:rate';
const WINDOW_SECONDS = 1;

interface SourceLimit {
  limiter: RateLimiterAbstract;
  eventsPerSecond: number;
}

/**
 * Each source's `rateLimitPerSecond`, counted in events (a batch of 500
 * costs 500), over one-second windows. With a Redis client the counters are
 * shared by every ingress instance; if Redis fails, each instance falls back
 * to its own counter (so the limit holds per instance meanwhile) rather than
 * refusing traffic. A request larger than the limit is charged the whole
 * limit: it passes once the source has a window to itself.
 */
export class SourceRateLimiter {
  private readonly limits = new Map<string, SourceLimit>();

  constructor(sources: readonly SourceConfig[], redis?: Redis | Cluster) {
    for (const { name, rateLimitPerSecond } of sources) {
      if (!rateLimitPerSecond) continue;
      const options = { points: rateLimitPerSecond, duration: WINDOW_SECONDS, keyPrefix: KEY_PREFIX };
      const local = new RateLimiterMemory(options);
      const limiter = redis ? new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: local }) : local;
      this.limits.set(name, { limiter, eventsPerSecond: rateLimitPerSecond });
    }
  }

  get enabled(): boolean {
    return this.limits.size > 0;
  }

  /** Resolves when `source` may send `events` now; rejects with RateLimitedError (429 + Retry-After) otherwise. */
  async consume(source: string, events: number): Promise<void> {
    const limit = this.limits.get(source);
    if (!limit) return;
    try {
      await limit.limiter.consume(source, Math.min(Math.max(events, 1), limit.eventsPerSecond));
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw new RateLimitedError(source, Math.max(1, Math.ceil(rejection.msBeforeNext / 1_000)));
      throw rejection;
    }
  }
}

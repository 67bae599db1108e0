import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster, Redis } from 'ioredis';

/** The .lua files stay in src/ (not copied by tsc): this path is the same from src/lease and dist/lease. */
const SCRIPTS_DIR = join(__dirname, '..', '..', 'src', 'lease');
const script = (file: string): string => readFileSync(join(SCRIPTS_DIR, file), 'utf8');

type LeaseClient = (Redis | Cluster) & {
  holdLease_v1?: (key: string, holder: string, ttlMs: number) => Promise<number>;
  releaseLease_v1?: (key: string, holder: string) => Promise<number>;
};

/**
 * One coordinator among the processor's instances: it alone writes the
 * generations record. A lease in Redis, renewed on every tick; an instance
 * that stops (or dies) loses it after `ttlMs` and another takes over.
 */
export class CoordinatorLease {
  private readonly client: LeaseClient;

  constructor(
    redis: Redis | Cluster,
    private readonly key: string,
    private readonly holder: string,
    private readonly ttlMs: number,
  ) {
    this.client = redis as LeaseClient;
    if (!this.client.holdLease_v1) redis.defineCommand('holdLease_v1', { numberOfKeys: 1, lua: script('hold-lease.lua') });
    if (!this.client.releaseLease_v1) redis.defineCommand('releaseLease_v1', { numberOfKeys: 1, lua: script('release-lease.lua') });
  }

  /** Takes or renews the lease; true while this instance holds it. */
  async hold(): Promise<boolean> {
    return (await this.client.holdLease_v1?.(this.key, this.holder, this.ttlMs)) === 1;
  }

  async release(): Promise<void> {
    await this.client.releaseLease_v1?.(this.key, this.holder);
  }
}

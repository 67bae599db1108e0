import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster } from 'ioredis';
import type Redis from 'ioredis';
import { createTestCertificates, getFreePort, startRedis, type RedisHandle, type TestCertificates } from '@abtest/local-stack';
import { createRedis, redisEnvSchema, toRedisConnectionConfig } from '@abtest/redis-io';
import { uniqueName } from '@abtest/test-harness';
import { expectedRoundTrip, taskRoundTrip } from './streams-state';

const USER = { username: 'abtest-processor', password: 'acl-test-secret' };
/** The ACL user may only touch keys under this prefix, as a shared production Redis would grant. */
const KEY_PREFIX = 'abtest:';

describe('Streams state on Redis with TLS and an ACL user, configured by environment alone', () => {
  let workDir: string;
  let certificates: TestCertificates;
  let server: RedisHandle;
  let tlsPort: number;
  const clients: Array<Redis | Cluster> = [];

  /** A client built the way services will build it (packages/redis-io), from variables only. */
  function redisFromEnv(env: Record<string, string>): Redis | Cluster {
    const client = createRedis(toRedisConnectionConfig(redisEnvSchema.parse(env)), { maxRetriesPerRequest: 0, lazyConnect: true });
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'deploy-redis-tls-'));
    certificates = await createTestCertificates(join(workDir, 'tls'));
    tlsPort = await getFreePort();
    server = await startRedis({
      workDir,
      log: () => undefined,
      name: 'redis-tls',
      extraArgs: [
        ...['--tls-port', String(tlsPort), '--tls-cert-file', certificates.certFile, '--tls-key-file', certificates.keyFile, '--tls-ca-cert-file', certificates.caFile, '--tls-auth-clients', 'no'],
        // Anonymous clients may only PING (the start-up probe on the plain port) and INFO (ioredis'
        // ready check after a refused AUTH); everything else needs the ACL user.
        ...['--user', 'default', 'on', 'nopass', '-@all', '+ping', '+info'],
        ...['--user', USER.username, 'on', `>${USER.password}`, `~${KEY_PREFIX}*`, '+@all'],
      ],
    });
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => (client.status === 'ready' ? client.quit() : client.disconnect())));
    await server?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('should run the runtime scripts over TLS as the ACL user of a rediss:// URL, trusting REDIS_TLS_CA_FILE', async () => {
    const redis = redisFromEnv({ REDIS_URL: `rediss://${USER.username}:${USER.password}@127.0.0.1:${tlsPort}`, REDIS_TLS_CA_FILE: certificates.caFile });
    const taskId = '0_3';
    const { staleWrite, ...roundTrip } = await taskRoundTrip(redis, `${KEY_PREFIX}${uniqueName('tls')}:`, taskId);
    expect(roundTrip).toEqual(expectedRoundTrip(taskId));
    await expect(staleWrite).rejects.toMatchObject({ name: 'TaskFencedError' });
  });

  it('should take the ACL user from REDIS_USERNAME and REDIS_PASSWORD beside a URL without credentials', async () => {
    const redis = redisFromEnv({ REDIS_URL: `rediss://127.0.0.1:${tlsPort}`, REDIS_USERNAME: USER.username, REDIS_PASSWORD: USER.password, REDIS_TLS_CA_FILE: certificates.caFile });
    expect(await redis.acl('WHOAMI')).toBe(USER.username);
  });

  /** The first error a client reports while connecting; it stops reconnecting afterwards. */
  async function connectionError(redis: Redis | Cluster): Promise<Error> {
    const failed = once(redis, 'error');
    redis.connect().catch(() => undefined);
    const [error] = (await failed) as [Error];
    redis.disconnect();
    return error;
  }

  it('should refuse a wrong password', async () => {
    const redis = redisFromEnv({ REDIS_URL: `rediss://${USER.username}:wrong@127.0.0.1:${tlsPort}`, REDIS_TLS_CA_FILE: certificates.caFile });
    expect((await connectionError(redis)).message).toMatch(/WRONGPASS/);
  });

  it("should refuse keys outside the ACL user's prefix", async () => {
    const redis = redisFromEnv({ REDIS_URL: `rediss://${USER.username}:${USER.password}@127.0.0.1:${tlsPort}`, REDIS_TLS_CA_FILE: certificates.caFile });
    await expect(redis.set('elsewhere:key', '1')).rejects.toThrow(/NOPERM/);
  });

  it('should refuse a server certificate that no trusted CA signed', async () => {
    const redis = redisFromEnv({ REDIS_URL: `rediss://${USER.username}:${USER.password}@127.0.0.1:${tlsPort}` });
    expect((await connectionError(redis)).message).toMatch(/self-signed certificate in certificate chain/);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisEnvSchema, toRedisConnectionConfig } from './config';

const config = (env: Record<string, string>) => {
  const parsed = redisEnvSchema.safeParse(env);
  if (!parsed.success) throw parsed.error;
  return toRedisConnectionConfig(parsed.data);
};
const issues = (env: Record<string, string>) => {
  const parsed = redisEnvSchema.safeParse(env);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('redis environment', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'redis-io-'));
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should build a standalone connection from REDIS_URL alone, without TLS', () => {
    expect(config({ REDIS_URL: 'redis://cache:6379/2' })).toEqual({ mode: 'standalone', url: 'redis://cache:6379/2' });
  });

  it('should turn TLS on for a rediss:// URL and keep the ACL user of the URL to ioredis', () => {
    expect(config({ REDIS_URL: 'rediss://app:s3cret@cache:6380' })).toEqual({ mode: 'standalone', url: 'rediss://app:s3cret@cache:6380', tls: { rejectUnauthorized: true } });
  });

  it('should take REDIS_USERNAME and REDIS_PASSWORD beside a URL without credentials', () => {
    expect(config({ REDIS_URL: 'redis://cache:6379', REDIS_USERNAME: 'app', REDIS_PASSWORD: 'pw' })).toEqual({ mode: 'standalone', url: 'redis://cache:6379', username: 'app', password: 'pw' });
  });

  it('should build a cluster connection with ACL credentials, TLS and a private CA', () => {
    expect(
      config({ REDIS_CLUSTER_NODES: 'a:7000, b:7001,c:7002', REDIS_USERNAME: 'app', REDIS_PASSWORD: 'pw', REDIS_TLS: 'true', REDIS_TLS_CA_FILE: join(dir, 'ca.pem') }),
    ).toEqual({
      mode: 'cluster',
      nodes: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 7001 },
        { host: 'c', port: 7002 },
      ],
      username: 'app',
      password: 'pw',
      tls: { rejectUnauthorized: true, ca: [expect.stringContaining('BEGIN CERTIFICATE')] },
    });
  });

  it('should refuse a missing, doubled or malformed endpoint, naming the variable', () => {
    expect(issues({})).toEqual(['REDIS_URL: is required: redis://host:port, rediss://user:password@host:port (TLS), or set REDIS_CLUSTER_NODES for a Redis Cluster']);
    expect(issues({ REDIS_URL: 'redis://a:1', REDIS_CLUSTER_NODES: 'a:1' })).toEqual(['REDIS_CLUSTER_NODES: must not be set together with REDIS_URL: one server or one cluster']);
    expect(issues({ REDIS_URL: 'http://a:1' })).toEqual(['REDIS_URL: must be a URL such as redis://host:6379 or rediss://user:password@host:6380 (TLS)']);
    expect(issues({ REDIS_CLUSTER_NODES: 'a:1,b' })).toEqual(['REDIS_CLUSTER_NODES: must be a comma-separated list of host:port']);
    expect(issues({ REDIS_URL: 'redis://u:p@a:1', REDIS_PASSWORD: 'q' })).toEqual(['REDIS_PASSWORD: must not be set together with credentials in REDIS_URL: give them in one place']);
  });

  it('should refuse TLS settings while TLS is off, and an unreadable CA file', () => {
    expect(issues({ REDIS_URL: 'redis://a:1', REDIS_TLS_CA_FILE: join(dir, 'ca.pem') })).toEqual([
      'REDIS_TLS: is off while REDIS_TLS_CA_FILE or REDIS_TLS_REJECT_UNAUTHORIZED is set: use a rediss:// URL or REDIS_TLS=true',
    ]);
    expect(issues({ REDIS_URL: 'rediss://a:1', REDIS_TLS_CA_FILE: join(dir, 'missing.pem') })).toEqual([expect.stringMatching(/^REDIS_TLS_CA_FILE: cannot read .*missing\.pem/)]);
    expect(issues({ REDIS_URL: 'rediss://a:1', REDIS_TLS: 'yes' })).toEqual(['REDIS_TLS: must be true or false']);
  });
});

import { lookup } from 'node:dns';
import Redis, { Cluster } from 'ioredis';
import { createRedis } from './client';

describe('createRedis', () => {
  const clients: Array<Redis | Cluster> = [];
  afterAll(() => clients.forEach((client) => client.disconnect()));
  const lazy = (...args: Parameters<typeof createRedis>) => {
    const client = createRedis(args[0], { ...args[1], lazyConnect: true });
    clients.push(client);
    return client;
  };

  it('should give one Redis client for a standalone URL, with the credentials given beside it', () => {
    const client = lazy({ mode: 'standalone', url: 'redis://cache:6390/3', username: 'app', password: 'pw' }, { connectionName: 'processor', maxRetriesPerRequest: 3 });
    expect(client).toBeInstanceOf(Redis);
    expect((client as Redis).options).toMatchObject({ host: 'cache', port: 6390, db: 3, username: 'app', password: 'pw', connectionName: 'processor', maxRetriesPerRequest: 3 });
  });

  it('should use TLS for rediss:// URLs', () => {
    const client = lazy({ mode: 'standalone', url: 'rediss://cache:6380', tls: { rejectUnauthorized: true, ca: ['pem'] } }) as Redis;
    expect(client.options.tls).toEqual({ rejectUnauthorized: true, ca: ['pem'] });
  });

  it('should give a Cluster client whose every node connection carries the credentials and TLS', () => {
    const client = lazy({ mode: 'cluster', nodes: [{ host: 'a', port: 7000 }], username: 'app', password: 'pw', tls: { rejectUnauthorized: false } });
    expect(client).toBeInstanceOf(Cluster);
    const options = (client as Cluster).options;
    expect(options.redisOptions).toMatchObject({ username: 'app', password: 'pw', tls: { rejectUnauthorized: false } });
    expect(options.dnsLookup).toEqual(expect.any(Function));
  });

  it('should resolve cluster host names normally without TLS', () => {
    const client = lazy({ mode: 'cluster', nodes: [{ host: 'a', port: 7000 }] }) as Cluster;
    expect(client.options.redisOptions?.tls).toBeUndefined();
    expect(client.options.dnsLookup).toBe(lookup);
  });
});

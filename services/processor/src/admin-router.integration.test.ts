import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Kafka, logLevel } from 'kafkajs';
import { DefinitionsCatalog, DefinitionsWriter, readDefinitions } from '@abtest/definitions';
import { getFreePort } from '@abtest/local-stack';
// A relative import: the test harness is shared by every integration test, not a package.
import { testKafka, uniqueName } from '@abtest/test-harness';
import { definitionsAdminRouter } from './admin-router';

const TOKEN = 'test-admin-token-0123456789';
const experiment = { variants: [{ id: 'A' }, { id: 'B' }], metrics: ['revenue'] };
const revenue = { type: 'value', event: 'Order Completed', value_path: 'properties.revenue' };

async function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** The admin API in a tiny app, as the processor mounts it; the catalog is filled only from the topic. */
async function adminApp(writer: DefinitionsWriter, catalog: DefinitionsCatalog): Promise<{ server: Server; url: string }> {
  const app = express();
  app.use(definitionsAdminRouter({ writer, catalog, token: TOKEN }));
  app.get('/experiments/:id', (_req, res) => void res.json({ open: true }));
  return listen(app);
}

function call(url: string, method: string, body?: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }): Promise<Response> {
  const init: RequestInit = { method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  return fetch(url, init);
}

describe('definitionsAdminRouter > real Kafka', () => {
  const kafka = testKafka();
  const servers: Server[] = [];
  const writers: DefinitionsWriter[] = [];
  let topic: string;
  let catalog: DefinitionsCatalog;
  let url: string;

  beforeAll(async () => {
    topic = uniqueName('definitions-admin');
    const writer = new DefinitionsWriter(kafka, topic);
    writers.push(writer);
    await writer.ensureTopic();
    catalog = new DefinitionsCatalog();
    const started = await adminApp(writer, catalog);
    servers.push(started.server);
    url = started.url;
  });

  afterAll(async () => {
    for (const server of servers) server.close();
    await Promise.all(writers.map((writer) => writer.close()));
  });

  describe('authentication', () => {
    it('should answer 401 with WWW-Authenticate: Bearer without a token or with a wrong one', async () => {
      const missing = await call(`${url}/admin/definitions`, 'GET', undefined, {});
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toBe('Bearer');
      for (const authorization of [`Bearer ${TOKEN}x`, 'Bearer short', `Basic ${Buffer.from(`${TOKEN}:`).toString('base64')}`, TOKEN]) {
        const wrong = await call(`${url}/admin/experiments/checkout`, 'PUT', experiment, { authorization });
        expect(wrong.status).toBe(401);
        expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
      expect((await call(`${url}/admin/metrics/revenue`, 'DELETE', undefined, { authorization: 'Bearer nope' })).status).toBe(401);
    });

    it('should leave routes outside /admin alone', async () => {
      expect((await fetch(`${url}/experiments/checkout`)).status).toBe(200);
    });
  });

  describe('validation', () => {
    it('should answer 400 naming the field of an invalid definition', async () => {
      const response = await call(`${url}/admin/metrics/revenue`, 'PUT', { type: 'value', event: 'Order Completed' });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error).toMatchObject({ code: 'invalid_definition', message: 'invalid metric definition "revenue": value_path: is required for a value metric: the dotted path of the number, e.g. properties.revenue' });

      const weights = await call(`${url}/admin/experiments/checkout`, 'PUT', { variants: [{ id: 'A' }, { id: 'B', weight: 0 }], colour: 'red' });
      expect(weights.status).toBe(400);
      expect(((await weights.json()) as { error: { message: string } }).error.message).toMatch(/variants\[1\]\.weight: must be > 0; colour: unknown field/);
    });

    it('should answer 400 when the body’s id differs from the path’s, or the path id is invalid', async () => {
      const mismatch = await call(`${url}/admin/experiments/checkout`, 'PUT', { ...experiment, id: 'pricing' });
      expect(mismatch.status).toBe(400);
      expect(await mismatch.json()).toMatchObject({ error: { code: 'invalid_definition', message: 'invalid experiment definition: id: "pricing" must equal the id in the path ("checkout")' } });
      const badId = await call(`${url}/admin/metrics/${encodeURIComponent('a|b')}`, 'DELETE');
      expect(badId.status).toBe(400);
      expect(((await badId.json()) as { error: { message: string } }).error.message).toContain('must not contain "|"');
    });

    it('should refuse bodies that are not JSON, not a JSON object or too large', async () => {
      const notJson = await call(`${url}/admin/experiments/checkout`, 'PUT', '{"variants": [');
      expect(notJson.status).toBe(400);
      expect(await notJson.json()).toMatchObject({ error: { code: 'invalid_json' } });
      const array = await call(`${url}/admin/experiments/checkout`, 'PUT', [experiment]);
      expect(await array.json()).toMatchObject({ error: { code: 'invalid_definition', message: 'invalid experiment definition: (root): must be a JSON object' } });
      const text = await fetch(`${url}/admin/experiments/checkout`, { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' }, body: 'id=checkout' });
      expect(text.status).toBe(415);
      const large = await call(`${url}/admin/experiments/checkout`, 'PUT', { ...experiment, name: 'x'.repeat(65 * 1024) });
      expect(large.status).toBe(413);
    });
  });

  it('should write definitions that GET shows once the catalog has read them from the topic', async () => {
    const put = await call(`${url}/admin/experiments/checkout`, 'PUT', experiment);
    expect(put.status).toBe(200);
    const written = await put.json();
    expect(written).toMatchObject({ id: 'checkout', name: 'checkout', control_variant_id: 'A', metrics: ['revenue'] });
    const metric = await call(`${url}/admin/metrics/revenue`, 'PUT', { id: 'revenue', ...revenue });
    expect(metric.status).toBe(200);
    const writtenMetric = await metric.json();

    await readDefinitions(kafka, topic, { catalog });
    const listed = await call(`${url}/admin/definitions`, 'GET');
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual({ experiments: [written], metrics: [writtenMetric] });

    expect((await call(`${url}/admin/experiments/checkout`, 'DELETE')).status).toBe(204);
    expect((await call(`${url}/admin/metrics/revenue`, 'DELETE')).status).toBe(204);
    await readDefinitions(kafka, topic, { catalog });
    expect(await (await call(`${url}/admin/definitions`, 'GET')).json()).toEqual({ experiments: [], metrics: [] });
  });

  it('should answer 503 when Kafka cannot take the write', async () => {
    const unreachable = new Kafka({ clientId: uniqueName('unreachable'), brokers: [`127.0.0.1:${await getFreePort()}`], connectionTimeout: 500, retry: { retries: 0 }, logLevel: logLevel.NOTHING });
    const writer = new DefinitionsWriter(unreachable, topic, { sendTimeoutMs: 5_000 });
    writers.push(writer);
    const down = await adminApp(writer, new DefinitionsCatalog());
    servers.push(down.server);
    const response = await call(`${down.url}/admin/metrics/revenue`, 'PUT', revenue);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toMatchObject({ error: { code: 'kafka_unavailable' } });
  });
});

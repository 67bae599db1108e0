import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapturedCall {
  status: number;
  body: { text?: string; blocks?: Array<{ text?: { text?: string } }> };
}

/**
 * A local HTTP endpoint standing in for Slack's incoming webhook: records
 * every call with the status it answered. `failNext(n, status)` answers the
 * next n calls with that status (Slack outages, rate limits).
 */
export async function startSlackCapture() {
  const calls: CapturedCall[] = [];
  let failures: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const status = failures.shift() ?? 200;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as CapturedCall['body'];
      calls.push({ status, body });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'internal_error');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/XXXX`,
    calls,
    /** Messages Slack accepted (answered 200). */
    delivered: () => calls.filter((c) => c.status === 200).map((c) => c.body),
    failNext(count: number, status: number) {
      failures = [...failures, ...Array.from({ length: count }, () => status)];
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

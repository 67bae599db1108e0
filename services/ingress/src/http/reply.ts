import type { ServerResponse } from 'node:http';

/**
 * Answers with a JSON body. Straight to Node's response: express' res.json
 * adds a Buffer copy and header lookups the hot path does not need.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

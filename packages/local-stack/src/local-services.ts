import { join, resolve } from 'node:path';

/** The repository root: services/<name>/dist/main.js lie below it, and `npm start` runs there. */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
/** The processor's definitions admin API token of a local stack, unless ADMIN_TOKEN is set. */
export const DEV_ADMIN_TOKEN = 'dev-admin-token-local';
const READYZ_TIMEOUT_MS = 2_000;

/** A service `abtest-stack up` runs: where its build is, which port it serves on, what to tell the user. */
export interface LocalService {
  name: string;
  /** The HTTP port of its API and health endpoints, from the variable the service reads. */
  port: (env: NodeJS.ProcessEnv) => number;
  /** Where to send events or read results. */
  hint: (env: NodeJS.ProcessEnv) => string;
}

/** Each service with its default port (overridable by the variable named). */
export const LOCAL_SERVICES: readonly LocalService[] = [
  {
    name: 'ingress',
    port: (env) => Number(env.INGRESS_PORT ?? env.PORT ?? 8080),
    hint: (env) =>
      `POST Segment events to http://127.0.0.1:${env.INGRESS_PORT ?? env.PORT ?? 8080}/v1/webhook (or /v1/batch, /v1/track, ...)` +
      (env.INGRESS_SOURCES ? '' : ', write key "dev-write-key" (HTTP Basic user) while INGRESS_SOURCES is unset'),
  },
  {
    name: 'processor',
    port: (env) => Number(env.PROCESSOR_PORT ?? 8081),
    hint: (env) =>
      `results of one experiment: GET http://127.0.0.1:${env.PROCESSOR_PORT ?? 8081}/experiments/<experiment id>; ` +
      `definitions: PUT http://127.0.0.1:${env.PROCESSOR_PORT ?? 8081}/admin/metrics/<id> (Authorization: Bearer ${env.ADMIN_TOKEN ?? DEV_ADMIN_TOKEN})`,
  },
  {
    name: 'results',
    port: (env) => Number(env.RESULTS_PORT ?? 8082),
    hint: (env) => `live dashboard: http://127.0.0.1:${env.RESULTS_PORT ?? 8082}/ (JSON API under /api, OpenAPI at /openapi.json)`,
  },
];

/** The built entry point of a service. */
export const serviceMain = (name: string): string => join(REPO_ROOT, 'services', name, 'dist', 'main.js');

/** Whether the service on `port` answers GET /readyz with 200 (every readiness check passes). */
export async function answersReady(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(READYZ_TIMEOUT_MS) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    // Not listening yet, or too slow to answer: not ready.
    return false;
  }
}

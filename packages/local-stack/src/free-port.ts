import { StackError } from './errors';
import { createServer } from 'node:net';

/**
 * Ports handed out lie below Linux's default ephemeral range (32768-60999):
 * a port the kernel picks for bind(0) can be taken by the source port of any
 * outgoing connection before the service that was given it binds it.
 */
const PORT_RANGE = { low: 20_000, high: 32_000 } as const;
const MAX_ATTEMPTS = 200;

/** A TCP port on the loopback interface that nothing listens on now. */
export async function getFreePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const port = PORT_RANGE.low + Math.floor(Math.random() * (PORT_RANGE.high - PORT_RANGE.low));
    if (await canListen(port, host)) return port;
  }
  throw new StackError(`no free port found in ${PORT_RANGE.low}-${PORT_RANGE.high} after ${MAX_ATTEMPTS} attempts`);
}

/** Whether nothing listens on `port` now (this process can bind it). */
export function canListen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

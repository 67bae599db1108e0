import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { StackError } from './errors';

const run = promisify(execFile);
/** Test certificates only live as long as a test run; two days absorbs clock skew. */
const VALIDITY_DAYS = '2';
const RSA_BITS = 'rsa:2048';

/** PEM files of a throw-away CA and a server certificate it signed. */
export interface TestCertificates {
  /** The CA certificate clients trust (KAFKA_SSL_CA_FILE, REDIS_TLS_CA_FILE, NODE_EXTRA_CA_CERTS). */
  caFile: string;
  /** Server certificate (redis-server `--tls-cert-file`). */
  certFile: string;
  /** Unencrypted PKCS#8 server key (redis-server `--tls-key-file`). */
  keyFile: string;
  /** Key followed by the certificate: what Kafka reads as `ssl.keystore.type=PEM`. */
  keyAndCertFile: string;
}

/**
 * Creates a CA and a server certificate for `hosts` (IP addresses or DNS
 * names, in the subjectAltName) with the openssl CLI, so TLS listeners of
 * local Kafka and Redis can be verified by clients like a real deployment.
 */
export async function createTestCertificates(dir: string, hosts: string[] = ['127.0.0.1', 'localhost']): Promise<TestCertificates> {
  mkdirSync(dir, { recursive: true });
  const file = (name: string) => join(dir, name);
  const altNames = hosts.map((host) => (/^[\d.]+$|:/.test(host) ? `IP:${host}` : `DNS:${host}`)).join(',');
  writeFileSync(file('server.ext'), `subjectAltName=${altNames}\nextendedKeyUsage=serverAuth\n`);
  const openssl = async (args: string[]) => {
    try {
      await run('openssl', args);
    } catch (error) {
      throw new StackError(`openssl ${args[0]} failed (is openssl installed?): ${String(error)}`, { cause: error });
    }
  };
  await openssl(['req', '-x509', '-newkey', RSA_BITS, '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', VALIDITY_DAYS, '-subj', '/CN=abtest-local-test-ca']);
  await openssl(['req', '-newkey', RSA_BITS, '-nodes', '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', `/CN=${hosts[0] ?? 'localhost'}`]);
  await openssl(['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.pem'), '-days', VALIDITY_DAYS, '-extfile', file('server.ext')]);
  writeFileSync(file('server-key-and-cert.pem'), readFileSync(file('server.key'), 'utf8') + readFileSync(file('server.pem'), 'utf8'));
  return { caFile: file('ca.pem'), certFile: file('server.pem'), keyFile: file('server.key'), keyAndCertFile: file('server-key-and-cert.pem') };
}

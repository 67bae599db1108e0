import { StackError } from './errors';
import { startKafka, type KafkaHandle, type KafkaListener } from './kafka';
import type { TestCertificates } from './tls-certificates';

/** A client identity: SCRAM credentials (both SHA-256 and SHA-512) and a PLAIN login. */
export interface KafkaUser {
  username: string;
  password: string;
}

export interface StartSaslKafkaOptions {
  workDir: string;
  log: (message: string) => void;
  users: KafkaUser[];
  /** Adds a SASL_SSL listener serving this certificate (e.g. from createTestCertificates). */
  tls?: TestCertificates;
}

export interface SaslKafkaHandle extends KafkaHandle {
  /** host:port of the SASL_PLAINTEXT listener. */
  saslPlaintext: string;
  /** host:port of the SASL_SSL listener, when `tls` was given. */
  saslSsl?: string;
}

/** The mechanisms of KAFKA_SASL_MECHANISM, as the broker names them. */
export const SASL_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN'] as const;
/** `--add-scram` splits on `,` `=` `[` `]`; JAAS values are quoted: keep credentials to a safe alphabet. */
const SAFE_CREDENTIAL = /^[A-Za-z0-9_.-]+$/;

/**
 * Starts a local broker (see startKafka) that also authenticates clients the
 * way production clusters do: a SASL_PLAINTEXT listener and, with `tls`, a
 * SASL_SSL listener, each accepting SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN.
 * SCRAM users are written into the metadata log when the storage is formatted
 * (`kafka-storage format --add-scram`), so they exist before the first start.
 * The PLAINTEXT listener stays for inter-broker traffic and start-up checks.
 */
export async function startSaslKafka(options: StartSaslKafkaOptions): Promise<SaslKafkaHandle> {
  for (const user of options.users) {
    if (!SAFE_CREDENTIAL.test(user.username) || !SAFE_CREDENTIAL.test(user.password)) {
      throw new StackError(`Kafka test user "${user.username}": username and password must match ${SAFE_CREDENTIAL} (they are written into --add-scram and JAAS settings)`);
    }
  }
  const listeners: KafkaListener[] = [{ name: 'SASL_PLAINTEXT', securityProtocol: 'SASL_PLAINTEXT' }];
  if (options.tls) listeners.push({ name: 'SASL_SSL', securityProtocol: 'SASL_SSL' });
  const handle = await startKafka({
    workDir: options.workDir,
    log: options.log,
    listeners,
    extraProperties: [`sasl.enabled.mechanisms=${SASL_MECHANISMS.join(',')}`, ...listeners.flatMap((l) => listenerProperties(l.name.toLowerCase(), options))],
    formatArguments: options.users.flatMap((user) => ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((mechanism) => ['--add-scram', `${mechanism}=[name=${user.username},password=${user.password}]`])),
  });
  const saslPlaintext = handle.listeners.SASL_PLAINTEXT;
  if (!saslPlaintext) throw new StackError('the SASL_PLAINTEXT listener has no address');
  const saslSsl = handle.listeners.SASL_SSL;
  options.log(`kafka: SASL listeners ${[saslPlaintext, saslSsl].filter(Boolean).join(', ')} for ${options.users.map((u) => u.username).join(', ')}`);
  return { ...handle, saslPlaintext, ...(saslSsl ? { saslSsl } : {}) };
}

function listenerProperties(listener: string, options: StartSaslKafkaOptions): string[] {
  const plainUsers = options.users.map((user) => `user_${user.username}="${user.password}"`).join(' ');
  const properties = [
    `listener.name.${listener}.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};`,
    `listener.name.${listener}.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
    `listener.name.${listener}.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
  ];
  if (listener === 'sasl_ssl' && options.tls) {
    properties.push(`listener.name.${listener}.ssl.keystore.type=PEM`, `listener.name.${listener}.ssl.keystore.location=${options.tls.keyAndCertFile}`, `listener.name.${listener}.ssl.client.auth=none`);
  }
  return properties;
}

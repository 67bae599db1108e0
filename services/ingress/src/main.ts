import { createLogger } from '@abtest/observability';
import { ConfigError, loadConfig } from './config';
import { startIngress } from './ingress';

/** `node dist/main.js`: reads the environment, starts, and shuts down gracefully on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger({ name: 'ingress', level: config.logLevel });
  await startIngress(config, { logger, signals: ['SIGTERM', 'SIGINT'] });
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : `ingress failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});

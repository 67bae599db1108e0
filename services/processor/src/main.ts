import { createLogger } from '@abtest/observability';
import { loadConfig } from './config';
import { startProcessor } from './processor';

/** `node dist/main.js`: reads the environment, starts, and shuts down gracefully on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger({ name: 'processor', level: config.logLevel, base: { applicationId: config.applicationId } });
  await startProcessor(config, { logger, signals: ['SIGTERM', 'SIGINT'] });
}

main().catch((error: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 'fatal', name: 'processor', msg: error instanceof Error ? error.message : String(error) })}\n`);
  process.exit(1);
});

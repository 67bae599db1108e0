import { createLogger } from '@abtest/observability';
import { loadConfig, ResultsConfigError } from './config';
import { startResultsService } from './results-service';

/** `node dist/main.js`: reads the environment, starts, and shuts down gracefully on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger({ name: 'results', level: config.logLevel, base: { applicationId: config.applicationId } });
  await startResultsService(config, { logger, signals: ['SIGTERM', 'SIGINT'] });
}

main().catch((error: unknown) => {
  const message = error instanceof ResultsConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`${JSON.stringify({ level: 'fatal', name: 'results', msg: message })}\n`);
  process.exit(1);
});

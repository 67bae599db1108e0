import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';

/** A structured JSON logger: `logger.info({ topic, partition }, 'message')`. */
export type Logger = PinoLogger;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  /** The service or component, on every line as `name`. */
  name: string;
  level?: LogLevel;
  /** Fields on every line, e.g. `{ instance }`. */
  base?: Record<string, unknown>;
  /** Where lines go; stdout when absent. Tests pass a stream to read them. */
  destination?: DestinationStream;
}

/**
 * One JSON object per line on stdout with ISO time, level as a word and the
 * service name: what log collectors parse without configuration. Child
 * loggers add context: `logger.child({ topic })`.
 */
export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    name: options.name,
    level: options.level ?? 'info',
    base: { ...options.base },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

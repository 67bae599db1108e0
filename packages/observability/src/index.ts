export { createLogger, LOG_LEVELS, type Logger, type LoggerOptions, type LogLevel } from './logger';
export { createMetricsRegistry, type MetricsRegistryOptions } from './metrics';
export { Readiness, CHECK_TIMEOUT_MS, type ReadinessCheck, type ReadinessReport, type CheckResult } from './readiness';
export { httpMetrics, HttpMetrics } from './http-metrics';
export { healthRouter, type HealthRouterOptions } from './health-router';
export { GracefulShutdown, DEFAULT_SHUTDOWN_TIMEOUT_MS, type GracefulShutdownOptions, type InstallOptions, type ShutdownStep } from './shutdown';
export { errorBody, sendError, type ErrorBody } from './error-body';

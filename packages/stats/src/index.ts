/**
 * @abtest/stats — a pure statistics engine for live A/B test results.
 * See README.md for the methods, their guarantees and the numerical edge cases.
 */
export { analyzeExperiment } from './analyze';
export { DEFAULTS } from './config';
export { StatsInputError } from './errors';
export { runningMinimum, sequentialRho, sequentialTest, type SequentialResult } from './sequential';
export { welchTTest, type FixedHorizonResult } from './frequentist';
export { bayesianTest, type BayesianResult } from './bayesian';
export { srmTest, type SrmTestResult } from './srm';
export { adjustPValues } from './corrections';
export { absoluteEffect, relativeEffect, welchDegreesOfFreedom, type Effect } from './effects';
export { summarize, type ArmSummary } from './sufficient-statistics';
export { decideStatus, type StatusInput, type StatusDecision } from './status';
export type {
  ArmResult,
  ComparisonResult,
  CorrectionMethod,
  EffectResult,
  ExperimentConfig,
  ExperimentInput,
  ExperimentResults,
  ExperimentStatus,
  MetricConfig,
  MetricType,
  SignificantResult,
  SrmResult,
  SrmVariantResult,
  SufficientStatistics,
  VariantConfig,
} from './types';

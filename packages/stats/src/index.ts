/**
 * @abtest/stats — a pure statistics engine for live A/B test results.
 * See README.md for the methods, their guarantees and the numerical edge cases.
 */
export { analyzeExperiment } from './analyze';
export { DEFAULTS } from './config';
export { StatsInputError } from './errors';
export {
  intersectConfidenceSequences,
  oneSidedSequentialPValue,
  runningMinimum,
  sequentialRho,
  sequentialTest,
  sideOf,
  type Intersection,
  type Interval,
  type SequentialResult,
} from './sequential';
export { welchTTest, type FixedHorizonResult } from './frequentist';
export { bayesianTest, type BayesianResult } from './bayesian';
export { srmTest, type SrmTestResult } from './srm';
export { SRM_PRIOR_CONCENTRATION, srmLogBayesFactor, srmSequentialTest, type SrmSequentialResult } from './srm-sequential';
export { guardrailFailures, judgeComparisons, type FamilySettings } from './metric-roles';
export type { ComparisonDraft } from './comparison';
export { adjustPValues } from './corrections';
export { absoluteEffect, relativeEffect, welchDegreesOfFreedom, type Effect } from './effects';
export { cupedEstimate, cupedTheta, type CupedEstimate } from './cuped';
export { summarize, type ArmSummary } from './sufficient-statistics';
export { decideStatus, type StatusInput, type StatusDecision } from './status';
export type {
  ArmResult,
  ComparisonResult,
  CorrectionMethod,
  CupedResult,
  CupedStatistics,
  EffectResult,
  ExperimentConfig,
  ExperimentInput,
  ExperimentResults,
  PreviousExperimentResults,
  ExperimentStatus,
  FixedHorizonEffect,
  GuardrailFailure,
  MetricConfig,
  MetricRole,
  MetricType,
  SignificantResult,
  SrmResult,
  SrmVariantResult,
  SufficientStatistics,
  VariantConfig,
  Verdict,
} from './types';

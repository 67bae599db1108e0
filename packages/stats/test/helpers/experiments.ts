/** Small experiment inputs shared by the analysis tests. */
import type { ExperimentConfig, SufficientStatistics } from '../../src/types';

/** A conversion metric's statistics: `converted` of `n` persons. */
export const conv = (n: number, converted: number): SufficientStatistics => ({ n, sum: converted, sumSquares: converted });

/** Control A against B, 1:1, one conversion metric `purchase`. */
export function abConfig(experimentId: string): ExperimentConfig {
  return {
    experimentId,
    variants: [
      { id: 'A', weight: 1 },
      { id: 'B', weight: 1 },
    ],
    controlVariantId: 'A',
    metrics: [{ id: 'purchase', type: 'conversion' }],
    startTime: 0,
  };
}

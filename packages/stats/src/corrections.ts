/**
 * Multiple-comparison adjustments over the family of (variant, metric)
 * p-values, returned as adjusted p-values (compare each to alpha), the
 * convention of statsmodels' multipletests.
 *
 * - Holm–Bonferroni controls the family-wise error rate under any
 *   dependence, and so stays valid for always-valid p-values at any
 *   stopping time.
 * - Benjamini–Hochberg controls the false discovery rate for independent or
 *   positively dependent p-values (comparisons sharing a control are
 *   positively dependent).
 *
 * A null p-value (undefined comparison) still counts in the family size, so
 * the correction never gets laxer because some comparison has no data yet;
 * its adjusted value is null.
 */
import type { CorrectionMethod } from './types';

export function adjustPValues(pValues: readonly (number | null)[], method: CorrectionMethod): (number | null)[] {
  const m = pValues.length;
  const order = pValues
    .map((p, index) => ({ p: p ?? 1, index }))
    .sort((a, b) => a.p - b.p || a.index - b.index);
  const adjusted = new Array<number>(m);
  if (method === 'holm') {
    let running = 0;
    order.forEach(({ p, index }, rank) => {
      running = Math.max(running, Math.min(1, (m - rank) * p));
      adjusted[index] = running;
    });
  } else {
    let running = 1;
    for (let rank = m - 1; rank >= 0; rank -= 1) {
      const { p, index } = order[rank];
      running = Math.min(running, (m / (rank + 1)) * p);
      adjusted[index] = running;
    }
  }
  return pValues.map((p, i) => (p === null ? null : adjusted[i]));
}

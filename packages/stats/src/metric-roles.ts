/**
 * Metric roles: the multiple-comparison families and the per-comparison
 * verdicts.
 *
 *   primary    one family over primary metrics × variants, adjusted with the
 *              configured correction (Holm by default); the only family that
 *              can make the experiment `significant`
 *   secondary  one family over secondary metrics × variants with
 *              Benjamini–Hochberg q-values; reported, never sets the status
 *   guardrail  one-sided regression tests at guardrailAlpha, Holm over
 *              guardrail metrics × variants; a regression sets
 *              `guardrail_failed` (status.ts)
 *
 * Families are corrected separately: a verdict in one never depends on how
 * many metrics another role has.
 */
import type { ComparisonDraft } from './comparison';
import { adjustPValues } from './corrections';
import type { ComparisonResult, CorrectionMethod, GuardrailFailure, MetricConfig, MetricRole, Verdict } from './types';

export interface FamilySettings {
  alpha: number;
  guardrailAlpha: number;
  /** Correction of the primary family. */
  correction: CorrectionMethod;
  metrics: readonly Required<MetricConfig>[];
}

const inverseOf = (metrics: readonly Required<MetricConfig>[], metricId: string): boolean => metrics.find((m) => m.id === metricId)?.inverse ?? false;

/** Significant in a direction, respecting inverse: an increase of a normal metric is better. */
function verdictOf(significant: boolean, direction: ComparisonDraft['direction'], inverse: boolean): Verdict {
  if (!significant || direction === null) return 'inconclusive';
  return (direction === 'increase') !== inverse ? 'better' : 'worse';
}

/** Adjusts `pValueOf` over the comparisons of one role; indexes of the others are left undefined. */
function adjustFamily(
  drafts: readonly ComparisonDraft[],
  role: MetricRole,
  method: CorrectionMethod,
  pValueOf: (d: ComparisonDraft) => number | null,
): (number | null | undefined)[] {
  const members = drafts.map((d, i) => ({ d, i })).filter(({ d }) => d.metric_role === role);
  const adjusted = adjustPValues(members.map(({ d }) => pValueOf(d)), method);
  const out = new Array<number | null | undefined>(drafts.length);
  members.forEach(({ i }, k) => (out[i] = adjusted[k]));
  return out;
}

/** Adjusted p-values, significance and verdicts of every comparison, family by family. */
export function judgeComparisons(drafts: readonly ComparisonDraft[], settings: FamilySettings): ComparisonResult[] {
  const twoSided = (d: ComparisonDraft) => d.sequential_p_value_running_min;
  const primary = adjustFamily(drafts, 'primary', settings.correction, twoSided);
  const secondary = adjustFamily(drafts, 'secondary', 'bh', twoSided);
  const guardrail = adjustFamily(drafts, 'guardrail', 'holm', (d) => d.guardrail_p_value_running_min ?? null);
  return drafts.map((d, i) => {
    const inverse = inverseOf(settings.metrics, d.metric_id);
    if (d.metric_role === 'guardrail') {
      const p = guardrail[i] ?? null;
      const regressed = p !== null && p < settings.guardrailAlpha;
      return {
        ...d,
        sequential_p_value_adjusted: null,
        sequential_significant: false,
        verdict: regressed ? 'worse' : 'inconclusive',
        guardrail_p_value_adjusted: p,
      };
    }
    const p = (d.metric_role === 'secondary' ? secondary[i] : primary[i]) ?? null;
    const significant = p !== null && p < settings.alpha;
    return {
      ...d,
      sequential_p_value_adjusted: p,
      sequential_significant: significant,
      verdict: verdictOf(significant, d.direction, inverse),
      guardrail_p_value_adjusted: null,
    };
  });
}

/** "+12%" / "-0.4%": two significant digits, signed. */
function signedPercent(x: number): string {
  const percent = Number((100 * x).toPrecision(2));
  return `${percent > 0 ? '+' : ''}${percent}%`;
}

function changeText(c: ComparisonResult): string {
  const relative = c.relative_lift.estimate;
  if (relative !== null) return signedPercent(relative);
  const absolute = c.absolute_difference.estimate;
  return absolute === null ? 'no estimate now' : `${absolute > 0 ? '+' : ''}${Number(absolute.toPrecision(2))} (absolute)`;
}

/**
 * "checkout_errors +12% in B". The regression verdict stays once reached
 * (running minimum), while the estimate moves: when it is no longer on the
 * harmful side the summary says so instead of showing a reassuring sign.
 */
function summaryOf(c: ComparisonResult, inverse: boolean): string {
  const estimate = c.absolute_difference.estimate;
  const harmfulNow = estimate !== null && (inverse ? estimate > 0 : estimate < 0);
  if (harmfulNow) return `${c.metric_id} ${changeText(c)} in ${c.variant_id}`;
  return `${c.metric_id} regressed in ${c.variant_id} at an earlier update (now ${changeText(c)})`;
}

/** Every guardrail comparison whose regression test rejected, most significant first. */
export function guardrailFailures(comparisons: readonly ComparisonResult[], metrics: readonly Required<MetricConfig>[]): GuardrailFailure[] {
  return comparisons
    .flatMap((c) => {
      const p = c.guardrail_p_value_adjusted;
      if (c.metric_role !== 'guardrail' || c.verdict !== 'worse' || p === null || p === undefined) return [];
      return [
        {
          variant_id: c.variant_id,
          metric_id: c.metric_id,
          relative_change: c.relative_lift.estimate,
          absolute_change: c.absolute_difference.estimate,
          guardrail_p_value_adjusted: p,
          summary: summaryOf(c, inverseOf(metrics, c.metric_id)),
        },
      ];
    })
    .sort((a, b) => a.guardrail_p_value_adjusted - b.guardrail_p_value_adjusted);
}

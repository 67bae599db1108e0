import type { ComparisonView, ExperimentDetail, MetricRole } from '@abtest/results-contract/api';
import { h } from './dom.js';
import { interval, percent, pValue } from './format.js';

export const ROLE_LABELS: Record<MetricRole, string> = { primary: 'Primary', secondary: 'Secondary', guardrail: 'Guardrail' };
const ROLE_HINTS: Record<MetricRole, string> = {
  primary: 'Primary metric: decides the winner',
  secondary: 'Secondary metric: informative, never decides',
  guardrail: 'Guardrail metric: a regression fails the experiment',
};
const VERDICT_LABELS: Record<ComparisonView['verdict'], string> = { better: 'Better', worse: 'Worse', inconclusive: 'Inconclusive' };
const ADJUSTMENT_LABELS: Record<ComparisonView['adjustment'], string> = { holm: 'Holm', bh: 'BH q-value', guardrail_holm: 'one-sided, Holm' };

export function roleMark(role: MetricRole | undefined): HTMLElement | null {
  if (!role) return null;
  return h('span', { class: `badge role role-${role}`, title: ROLE_HINTS[role], 'data-role': role }, ROLE_LABELS[role]);
}

/** Colours a lift by its verdict, not its sign: a rise of an inverse metric (errors) is worse, and an inconclusive one is neither. */
export const VERDICT_CLASSES: Record<ComparisonView['verdict'], string> = { better: 'positive', worse: 'negative', inconclusive: '' };

export function verdictBadge(comparison: ComparisonView): HTMLElement {
  return h('span', { class: `badge verdict-${comparison.verdict}`, 'data-verdict': comparison.verdict }, VERDICT_LABELS[comparison.verdict]);
}

/** "CUPED: variance -51%": how much of the variance the pre-exposure covariate removed (adjusted figures are shown). */
export function cupedNote(comparison: ComparisonView): HTMLElement | null {
  const reduction = comparison.cuped?.variance_reduction;
  if (reduction === null || reduction === undefined) return null;
  const change = -Math.round(reduction * 100);
  const unadjusted = comparison.cuped?.relative_lift_unadjusted;
  const title = `CUPED-adjusted with each person’s pre-exposure value (θ = ${comparison.cuped?.theta?.toPrecision(3) ?? '—'}); unadjusted lift ${percent(unadjusted?.estimate, 1, true)} ${interval(unadjusted?.lower ?? null, unadjusted?.upper ?? null)}`;
  return h('span', { class: 'muted small', 'data-field': 'cuped', title }, ` CUPED: variance ${change > 0 ? '+' : change < 0 ? '-' : ''}${Math.abs(change)}%`);
}

/** The banner of a guardrail_failed experiment: every failure, and what to do. */
export function guardrailBanner(detail: ExperimentDetail): HTMLElement | null {
  const failures = detail.experiment.guardrail_failures;
  if (detail.experiment.status !== 'guardrail_failed' || failures.length === 0) return null;
  const level = detail.statistics.guardrail_alpha === null ? '' : ` below ${detail.statistics.guardrail_alpha}`;
  return h(
    'div',
    { class: 'alert alert-guardrail', role: 'alert', id: 'guardrail-banner' },
    h('h2', {}, `⚠ Guardrail failed: ${failures.map((f) => f.summary).join('; ')}`),
    h(
      'p',
      {},
      `A guardrail metric got worse in a variant (one-sided sequential test, Holm-adjusted p${level}; ${failures.map((f) => `${f.summary}: adjusted p = ${pValue(f.guardrail_p_value_adjusted)}`).join(', ')}). Stop the variant or roll it back: a better primary metric does not outweigh it.`,
    ),
  );
}

/** Every metric of every variant against the control, marked with its role and its verdict in that role. */
export function metricVerdicts(detail: ExperimentDetail): HTMLElement | null {
  const roleOf = new Map(detail.metric_roles.map((r) => [r.metric_id, r.metric_role]));
  const rows = detail.metrics.flatMap((metricId) =>
    detail.variants.flatMap((variant) => {
      const comparison = variant.metrics.find((m) => m.metric_id === metricId)?.comparison;
      if (variant.is_control || !comparison) return [];
      const lift = comparison.relative_lift_sequential;
      return [
        h(
          'tr',
          { 'data-metric': metricId, 'data-variant': variant.variant_id, 'data-role': comparison.metric_role },
          h('th', { scope: 'row' }, metricId, ' ', roleMark(roleOf.get(metricId))),
          h('td', {}, variant.variant_name),
          h('td', { class: 'num', 'data-field': 'lift' }, h('span', { class: VERDICT_CLASSES[comparison.verdict] }, percent(lift.estimate, 1, true)), ' ', h('span', { class: 'muted' }, interval(lift.lower, lift.upper)), cupedNote(comparison)),
          h('td', { class: 'num', 'data-field': 'adjusted_p' }, pValue(comparison.adjusted_p_value), ' ', h('span', { class: 'muted small' }, ADJUSTMENT_LABELS[comparison.adjustment])),
          h('td', { 'data-field': 'verdict' }, verdictBadge(comparison), comparison.cs_conflict ? h('span', { class: 'muted small', title: 'an update’s confidence sequence was disjoint from the running intersection' }, ' drifting') : null),
        ),
      ];
    }),
  );
  if (rows.length === 0) return null;
  return h(
    'section',
    { 'aria-labelledby': 'metrics-title', id: 'metric-verdicts' },
    h('h2', { id: 'metrics-title' }, 'Metrics'),
    h('p', { class: 'muted small' }, 'Primary metrics decide the winner; secondary ones inform; a guardrail that gets worse fails the experiment. Lift with its always-valid confidence sequence; p adjusted within each role.'),
    h('div', { class: 'table-scroll' }, h('table', { class: 'data' }, h('thead', {}, h('tr', {}, ...['Metric', 'Variant', 'Lift (CS)', 'Adjusted p', 'Verdict'].map((label) => h('th', { scope: 'col' }, label)))), h('tbody', {}, ...rows))),
  );
}

/** The sequential SRM p-value (the one that decides), the chi-square one as information, and why monitoring restarted. */
export function statisticsNotes(detail: ExperimentDetail): HTMLElement[] {
  const { srm, sequential_restart_reason: restart } = detail.statistics;
  const notes: HTMLElement[] = [];
  if (srm) {
    notes.push(
      h(
        'p',
        { class: 'muted small', id: 'srm-check' },
        `Sample-ratio check: sequential p = ${pValue(srm.sequential_p_value)}${srm.flagged ? ' (flagged)' : srm.checked ? '' : ' (not checked yet: too few persons)'}; chi-square p = ${pValue(srm.p_value)}, informative only.`,
      ),
    );
  }
  if (restart) notes.push(h('div', { class: 'alert alert-info', role: 'note', id: 'restart-reason' }, h('strong', {}, 'Monitoring restarted. '), restart));
  return notes;
}

import type { ExperimentSummary } from '@abtest/results-contract/api';
import { h } from './dom.js';
import { age, count, interval, percent, pValue, STATUS_LABELS } from './format.js';

export function statusBadge(status: string | null, srmFlagged: boolean): HTMLElement {
  if (srmFlagged) return h('span', { class: 'badge badge-srm' }, '⚠ SRM');
  if (status === null) return h('span', { class: 'badge badge-none' }, 'No statistics yet');
  return h('span', { class: `badge badge-${status}` }, STATUS_LABELS[status] ?? status);
}

/** "backfilling 45%" while the processor rebuilds the experiment's state (never 100% before it is done). */
function backfillBadge(summary: ExperimentSummary): HTMLElement | null {
  const backfill = summary.backfill;
  if (!backfill) return null;
  return h('span', { class: 'badge badge-backfill', title: `Backfill (generation ${backfill.generation}): ${backfill.reason}` }, `backfilling ${Math.floor(backfill.percent)}%`);
}

export function experimentHref(experimentId: string): string {
  return `/experiments/${encodeURIComponent(experimentId)}`;
}

function guardrailLine(summary: ExperimentSummary): HTMLElement | null {
  if (summary.guardrail_failures.length === 0) return null;
  return h('div', { class: 'negative small' }, `Guardrail failed: ${summary.guardrail_failures.map((f) => f.summary).join('; ')}`);
}

function headlineCell(summary: ExperimentSummary): HTMLElement {
  const headline = summary.headline;
  if (!headline) {
    const rates = summary.variants.map((v) => `${v.variant_name} ${percent(v.unique_click_rate)}`).join(' · ');
    return h('td', {}, h('span', { class: 'muted' }, 'Unique click rate: '), rates || '—');
  }
  const lift = headline.relative_lift;
  return h(
    'td',
    {},
    h('strong', {}, headline.variant_id),
    ` on ${headline.metric_id}: `,
    h('span', { class: lift.estimate !== null && lift.estimate < 0 ? 'negative' : 'positive' }, percent(lift.estimate, 1, true)),
    ' ',
    h('span', { class: 'muted' }, interval(lift.lower, lift.upper)),
    h('span', { class: 'muted' }, ` · p = ${pValue(headline.sequential_p_value_adjusted)}`),
    guardrailLine(summary),
  );
}

/** The experiment list: one row per experiment, newest first. */
export function listPage(experiments: ExperimentSummary[]): HTMLElement {
  const section = h('section', { 'aria-labelledby': 'list-title' }, h('h1', { id: 'list-title' }, 'Experiments'));
  if (experiments.length === 0) {
    section.append(
      h(
        'div',
        { class: 'empty-state', role: 'status' },
        h('h2', {}, 'No experiments yet'),
        h('p', {}, 'An experiment appears here as soon as the processor publishes its first results record, i.e. after its first exposure event. This page updates by itself.'),
      ),
    );
    return section;
  }
  const rows = experiments.map((e) =>
    h(
      'tr',
      { 'data-experiment': e.experiment_id },
      h('th', { scope: 'row' }, h('a', { href: experimentHref(e.experiment_id) }, e.experiment_name || e.experiment_id), h('div', { class: 'muted small' }, e.experiment_id)),
      h('td', {}, statusBadge(e.status, e.srm_flagged), backfillBadge(e)),
      h('td', { class: 'num' }, count(e.persons)),
      h('td', { class: 'num' }, count(e.variants.length)),
      headlineCell(e),
      h('td', { title: new Date(e.updated_at).toISOString() }, age(e.age_ms)),
    ),
  );
  section.append(
    h(
      'table',
      { class: 'data', 'aria-describedby': 'list-title' },
      h('thead', {}, h('tr', {}, ...['Experiment', 'Status', 'Persons', 'Variants', 'Headline metric (lift, 95% CS, adjusted p)', 'Updated'].map((label) => h('th', { scope: 'col' }, label)))),
      h('tbody', {}, ...rows),
    ),
  );
  return section;
}

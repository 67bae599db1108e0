import type { BackfillView, BreakdownView, ExperimentDetail, VariantRow } from '@abtest/results-contract/api';
import { conversionChart, VARIANT_COLOURS } from './chart.js';
import { guardrailBanner, metricVerdicts, ROLE_LABELS, statisticsNotes, VERDICT_CLASSES, verdictBadge } from './decision-panels.js';
import { h } from './dom.js';
import { age, count, dateTime, duration, interval, percent, pValue } from './format.js';
import { statusBadge } from './list-page.js';

function srmWarning(detail: ExperimentDetail): HTMLElement | null {
  if (!detail.experiment.srm_flagged) return null;
  const srm = detail.statistics.srm;
  const shares = srm?.variants.map((v) => `${v.variant_id}: ${percent(v.share)} of persons (expected ${percent(v.expected_share)})`).join(', ');
  return h(
    'div',
    { class: 'alert alert-srm', role: 'alert' },
    h('h2', {}, '⚠ Sample ratio mismatch: do not trust these results'),
    h('p', {}, `The variants did not get the share of persons they were configured for${srm ? ` (sequential p = ${pValue(srm.sequential_p_value)}; chi-square p = ${pValue(srm.p_value)})` : ''}. ${shares ? `${shares}. ` : ''}The assignment or the tracking is broken; fix it and restart the experiment before reading any lift.`),
  );
}

/** A state rebuild in progress: how far the new generation has read the raw events, and that the page shows the live generation meanwhile. */
function backfillPanel(backfill: BackfillView): HTMLElement {
  const eta = backfill.eta_seconds === null ? 'estimating…' : duration(backfill.eta_seconds * 1000);
  const label = `Backfill (generation ${backfill.generation}): ${backfill.reason} — ${backfill.percent.toFixed(1)}% · ${count(backfill.events_read)} of ${count(backfill.events_total)} events · ETA ${eta}`;
  return h(
    'div',
    { class: 'alert alert-info', role: 'note', id: 'backfill' },
    h('label', { for: 'backfill-progress' }, label),
    h('progress', { id: 'backfill-progress', max: 100, value: backfill.percent }, `${backfill.percent.toFixed(1)}%`),
    h('p', { class: 'muted small' }, `Started ${dateTime(Date.parse(backfill.started_at))}. Until the rebuild has caught up and takes over, the figures on this page are the live generation's.`),
  );
}

function verdictCell(row: VariantRow, metric: string | null): HTMLElement {
  if (row.is_control) return h('td', {}, h('span', { class: 'badge badge-control' }, 'Control'));
  const comparison = row.metrics.find((m) => m.metric_id === metric)?.comparison;
  if (!comparison) return h('td', { class: 'muted' }, '—');
  return h('td', { 'data-field': 'verdict' }, verdictBadge(comparison));
}

function variantTable(detail: ExperimentDetail): HTMLElement {
  const metric = detail.selected_metric;
  const headers = ['Variant', 'Unique views', 'Total views', 'Unique clicks', 'Total clicks', 'Unique click rate', 'Total click rate', metric ? `Rate: ${metric}` : 'Metric rate', 'Lift (95% CS)', 'Adjusted p', 'Chance to beat control', 'Verdict'];
  const rows = detail.variants.map((row, index) => {
    const m = row.metrics.find((x) => x.metric_id === metric);
    const c = m?.comparison ?? null;
    const lift = c?.relative_lift_sequential;
    return h(
      'tr',
      { 'data-variant': row.variant_id },
      h('th', { scope: 'row' }, h('span', { class: `swatch swatch-${index % VARIANT_COLOURS.length}`, 'aria-hidden': 'true' }), row.variant_name, row.variant_name !== row.variant_id ? h('span', { class: 'muted small' }, ` ${row.variant_id}`) : null),
      h('td', { class: 'num', 'data-field': 'unique_views' }, count(row.unique_views)),
      h('td', { class: 'num', 'data-field': 'total_views' }, count(row.total_views)),
      h('td', { class: 'num', 'data-field': 'unique_clicks' }, count(row.unique_clicks)),
      h('td', { class: 'num', 'data-field': 'total_clicks' }, count(row.total_clicks)),
      h('td', { class: 'num', 'data-field': 'unique_click_rate' }, percent(row.unique_click_rate, 2)),
      h('td', { class: 'num', 'data-field': 'total_click_rate' }, percent(row.total_click_rate, 2)),
      h('td', { class: 'num', 'data-field': 'metric_rate' }, m ? (m.metric_type === 'conversion' ? percent(m.rate, 2) : (m.rate?.toFixed(2) ?? '—')) : '—'),
      h('td', { class: 'num', 'data-field': 'lift' }, row.is_control || !lift ? '—' : h('span', {}, h('span', { class: c ? VERDICT_CLASSES[c.verdict] : '' }, percent(lift.estimate, 1, true)), ' ', h('span', { class: 'muted' }, interval(lift.lower, lift.upper)))),
      h('td', { class: 'num', 'data-field': 'p_value' }, row.is_control ? '—' : pValue(c?.adjusted_p_value)),
      h('td', { class: 'num', 'data-field': 'chance_to_beat_control' }, row.is_control ? '—' : percent(c?.chance_to_beat_control, 1)),
      verdictCell(row, metric),
    );
  });
  return h(
    'table',
    { class: 'data variants', id: 'variant-table', 'aria-labelledby': 'variants-title' },
    h('thead', {}, h('tr', {}, ...headers.map((label) => h('th', { scope: 'col' }, label)))),
    h('tbody', {}, ...rows),
  );
}

function breakdownTable(breakdown: BreakdownView, detail: ExperimentDetail): HTMLElement {
  const variantIds = detail.variants.map((v) => v.variant_id);
  const titleId = `breakdown-${breakdown.dimension.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  return h(
    'section',
    { class: 'breakdown', 'aria-labelledby': titleId },
    h('h3', { id: titleId }, `By ${breakdown.dimension}`, breakdown.metric_id ? h('span', { class: 'muted' }, ` · ${breakdown.metric_id}`) : null),
    h(
      'table',
      { class: 'data' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, breakdown.dimension), ...variantIds.map((id) => h('th', { scope: 'col' }, id)))),
      h(
        'tbody',
        {},
        ...breakdown.segments.map((segment) =>
          h(
            'tr',
            { 'data-segment': segment.value },
            h('th', { scope: 'row' }, segment.value),
            ...variantIds.map((id) => {
              const v = segment.variants.find((x) => x.variant_id === id);
              if (!v) return h('td', { class: 'muted' }, '—');
              const lift = v.relative_lift;
              return h(
                'td',
                { class: 'num' },
                h('div', {}, `${percent(v.rate, 2)} `, h('span', { class: 'muted small' }, `of ${count(v.persons)}`)),
                lift && lift.estimate !== null ? h('div', { class: 'small' }, h('span', { class: lift.estimate < 0 ? 'negative' : 'positive' }, percent(lift.estimate, 1, true)), ' ', h('span', { class: 'muted' }, interval(lift.lower, lift.upper))) : null,
              );
            }),
          ),
        ),
      ),
    ),
  );
}

export interface DetailHandlers {
  onMetricChange(metric: string): void;
}

/** One experiment: header, SRM warning, guardrail banner, backfill progress, variant table, per-metric verdicts, chart, breakdowns. */
export function detailPage(detail: ExperimentDetail, handlers: DetailHandlers): HTMLElement {
  const e = detail.experiment;
  const page = h('article', { 'aria-labelledby': 'experiment-title' });
  const guardrail = guardrailBanner(detail);
  page.append(
    h('p', { class: 'breadcrumb' }, h('a', { href: '/' }, '← All experiments')),
    h(
      'header',
      { class: 'experiment-header' },
      h('h1', { id: 'experiment-title' }, e.experiment_name || e.experiment_id, ' ', statusBadge(e.status, e.srm_flagged)),
      h('p', { class: 'muted' }, `${e.experiment_id} · ${count(e.persons)} persons · updated ${age(e.age_ms)} (${dateTime(e.updated_at)}) · results version ${e.version}`),
      // The guardrail banner says what its reason says.
      e.status_reason && !guardrail ? h('p', { class: 'reason' }, e.status_reason) : null,
      e.history_note ? h('p', { class: 'muted small', id: 'history-note' }, e.history_note) : null,
    ),
  );
  const srm = srmWarning(detail);
  if (srm) page.append(srm);
  if (guardrail) page.append(guardrail);
  if (e.backfill) page.append(backfillPanel(e.backfill));
  if (!detail.statistics.available) {
    page.append(h('div', { class: 'alert alert-info', role: 'note' }, h('strong', {}, 'Statistics not available yet. '), 'Counts are live; lifts, p-values and chances to beat control appear once the processor publishes an analysis for this experiment.'));
  }

  const controls = h('div', { class: 'controls' });
  if (detail.metrics.length > 1) {
    const roleOf = new Map(detail.metric_roles.map((r) => [r.metric_id, ROLE_LABELS[r.metric_role]]));
    const label = (m: string) => (roleOf.has(m) ? `${m} (${roleOf.get(m)})` : m);
    const select = h('select', { id: 'metric-select', onchange: (event: Event) => handlers.onMetricChange((event.target as HTMLSelectElement).value) }, ...detail.metrics.map((m) => h('option', { value: m, selected: m === detail.selected_metric }, label(m))));
    controls.append(h('label', { for: 'metric-select' }, 'Metric '), select);
  }
  page.append(h('section', { 'aria-labelledby': 'variants-title' }, h('h2', { id: 'variants-title' }, 'Variants'), controls, h('div', { class: 'table-scroll' }, variantTable(detail))));
  const verdicts = metricVerdicts(detail);
  if (verdicts) page.append(verdicts);
  page.append(...statisticsNotes(detail));
  if (detail.data_quality.clicks_on_unviewed_variants > 0) {
    page.append(h('p', { class: 'muted small' }, `${count(detail.data_quality.clicks_on_unviewed_variants)} clicks on variants nobody viewed are left out of the table (data quality).`));
  }

  page.append(
    h(
      'section',
      { 'aria-labelledby': 'chart-title', id: 'chart-section' },
      h('h2', { id: 'chart-title' }, 'Cumulative conversion over time'),
      h('p', { class: 'muted small', id: 'chart-source', 'data-source': detail.series.source }, `${detail.series.description}. Band: ${detail.series.interval}.`),
      conversionChart(detail.series),
    ),
  );

  const breakdowns = h('section', { 'aria-labelledby': 'breakdowns-title', id: 'breakdowns' }, h('h2', { id: 'breakdowns-title' }, 'Segments'));
  if (detail.breakdowns.length === 0) breakdowns.append(h('p', { class: 'muted' }, 'No segment breakdowns published for this experiment yet.'));
  else breakdowns.append(h('p', { class: 'muted small' }, 'Rate per segment; lift against the control of the same segment with a 95% interval, not corrected for multiple comparisons: for exploring, not for deciding.'), ...detail.breakdowns.map((b) => breakdownTable(b, detail)));
  page.append(breakdowns);
  return page;
}

import type { AlertKind, StatusSnapshot } from '../status/status-change';

/** The body of a Slack incoming-webhook call: `text` is the notification and fallback, `blocks` the formatted message. */
export interface SlackMessage {
  text: string;
  blocks: Array<{ type: 'section'; text: { type: 'mrkdwn'; text: string } } | { type: 'context'; elements: Array<{ type: 'mrkdwn'; text: string }> }>;
}

/** Slack's mrkdwn needs these three escaped in any text that is not markup. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const percent = (value: number | null | undefined, signed = false) =>
  value === null || value === undefined ? 'n/a' : `${signed && value > 0 ? '+' : ''}${(value * 100).toFixed(1)}%`;
const pValue = (value: number | null | undefined) => (value === null || value === undefined ? 'n/a' : value < 0.0001 ? value.toExponential(1) : value.toFixed(4));

function liftLine(snapshot: StatusSnapshot): string {
  const c = snapshot.comparison;
  if (!c) return '';
  const level = snapshot.alpha === null ? '' : `${Math.round((1 - snapshot.alpha) * 100)}% `;
  return `Variant *${escapeMrkdwn(c.variant_id)}* vs control on \`${escapeMrkdwn(c.metric_id)}\`: lift ${percent(c.relative_lift, true)} (${level}confidence sequence ${percent(c.lower, true)} to ${percent(c.upper, true)}), adjusted sequential p = ${pValue(c.sequential_p_value_adjusted)}, chance to beat control ${percent(c.chance_to_beat_control)}.`;
}

function srmLine(snapshot: StatusSnapshot): string {
  const srm = snapshot.srm;
  if (!srm) return '';
  const observed = srm.variants.map((v) => `${escapeMrkdwn(v.variant_id)} ${v.persons}`).join(' / ');
  const expected = srm.variants.map((v) => `${Math.round(v.expected_persons)}`).join(' / ');
  return `Persons per variant ${observed}, expected ${expected} (sequential SRM p = ${pValue(srm.sequential_p_value)}; chi-square p = ${pValue(srm.p_value)}, informative). The assignment is broken: do not trust or act on these results until it is fixed.`;
}

/** Every failure's summary, e.g. "checkout_errors +12% in B; latency_ms +8% in C". */
const guardrailList = (snapshot: StatusSnapshot) => escapeMrkdwn(snapshot.guardrail_failures.map((f) => f.summary).join('; '));

function guardrailLine(snapshot: StatusSnapshot, name: string): string {
  const level = snapshot.guardrail_alpha === null ? '' : ` < ${snapshot.guardrail_alpha}`;
  const tests = snapshot.guardrail_failures.map((f) => `${escapeMrkdwn(f.summary)}: adjusted p = ${pValue(f.guardrail_p_value_adjusted)}`).join('; ');
  return `A guardrail metric of *${name}* regressed (one-sided sequential test, Holm-adjusted${level}): ${tests}. Stop the variant or roll it back; a better primary metric does not outweigh it.`;
}

const HEADLINES: Record<AlertKind, (name: string, snapshot: StatusSnapshot) => string> = {
  winner_declared: (name) => `:trophy: Winner declared in *${name}*`,
  significant: (name) => `:bar_chart: *${name}* is now statistically significant`,
  srm_detected: (name) => `:warning: Sample ratio mismatch in *${name}*`,
  guardrail_failed: (name, snapshot) => `:rotating_light: Guardrail failed: ${guardrailList(snapshot)} — *${name}*`,
};

function detailLine(kind: AlertKind, snapshot: StatusSnapshot, name: string): string {
  if (kind === 'srm_detected') return srmLine(snapshot);
  if (kind === 'guardrail_failed') return guardrailLine(snapshot, name);
  return liftLine(snapshot);
}

/** One message per alert: what happened, the numbers behind it, and a link to the dashboard. */
export function slackMessage(kind: AlertKind, snapshot: StatusSnapshot, dashboardUrl: string): SlackMessage {
  const name = escapeMrkdwn(snapshot.experiment_name || snapshot.experiment_id);
  const headline = HEADLINES[kind](name, snapshot);
  const detail = detailLine(kind, snapshot, name);
  const outcome = kind === 'significant' && snapshot.significant_result?.outcome === 'loser' ? ' The significant variant is worse than the control.' : '';
  const link = `<${dashboardUrl}|Open the dashboard>`;
  const body = [headline, `${detail}${outcome}`.trim(), link].filter(Boolean).join('\n');
  return {
    text: `${headline.replace(/\*/g, '')} (${snapshot.experiment_id})`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: body } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `experiment \`${escapeMrkdwn(snapshot.experiment_id)}\` · ${snapshot.persons} persons · results version ${snapshot.version}` }] },
    ],
  };
}

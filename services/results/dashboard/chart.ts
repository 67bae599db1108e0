import type { SeriesView } from '@abtest/results-contract/api';
import { h, svg } from './dom.js';
import { percent } from './format.js';

/** Colour-blind-safe palette (Okabe–Ito), one per variant in order. */
export const VARIANT_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#000000'];
const WIDTH = 760;
const HEIGHT = 300;
const MARGIN = { top: 16, right: 20, bottom: 36, left: 56 };
const Y_TICKS = 5;
const X_TICKS = 6;
const SINGLE_POINT_GAP = 14;

type Point = { x: number; y: number };

function linePath(points: Point[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
}

function niceMax(value: number): number {
  if (!(value > 0)) return 0.01;
  const exponent = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * exponent >= value) return step * exponent;
  return 10 * exponent;
}

function timeLabel(t: number, spanMs: number): string {
  const date = new Date(t);
  if (spanMs <= 2 * 86_400_000) return date.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: spanMs < 600_000 ? '2-digit' : undefined });
  return date.toLocaleDateString('en-GB', { month: 'short', day: 'numeric' });
}

/**
 * An inline SVG of each variant's cumulative conversion rate over time
 * with its confidence band. The data is also in the table next to it; the
 * chart carries a text description for screen readers.
 */
export function conversionChart(series: SeriesView): HTMLElement {
  const drawn = series.variants.filter((v) => v.points.some((p) => p.rate !== null));
  const figure = h('figure', { class: 'chart' });
  if (drawn.length === 0) {
    figure.append(h('p', { class: 'empty' }, 'No conversion data to chart yet: the chart appears once a variant has views.'));
    return figure;
  }
  const points = drawn.flatMap((v) => v.points);
  const tMin = Math.min(...points.map((p) => p.t));
  const tMax = Math.max(...points.map((p) => p.t));
  const span = Math.max(tMax - tMin, 1);
  const yMax = niceMax(Math.max(...points.map((p) => p.upper ?? p.rate ?? 0)));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (t: number) => MARGIN.left + (tMax === tMin ? plotW / 2 : ((t - tMin) / span) * plotW);
  /** With a single moment to draw, variants side by side instead of on top of each other. */
  const dodge = (index: number) => (tMax === tMin ? (index - (drawn.length - 1) / 2) * SINGLE_POINT_GAP : 0);
  const y = (rate: number) => MARGIN.top + plotH - (Math.min(rate, yMax) / yMax) * plotH;

  const titleId = `chart-title-${Math.random().toString(36).slice(2)}`;
  const descId = `${titleId}-desc`;
  const summary = drawn
    .map((v) => {
      const last = [...v.points].reverse().find((p) => p.rate !== null);
      return last ? `${v.variant_name}: ${percent(last.rate)} (${percent(last.lower)} to ${percent(last.upper)})` : `${v.variant_name}: no data`;
    })
    .join('; ');
  const root = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-labelledby': `${titleId} ${descId}`, class: 'chart-svg', preserveAspectRatio: 'xMidYMid meet' });
  root.append(svg('title', { id: titleId }, 'Cumulative conversion rate per variant over time'), svg('desc', { id: descId }, `Latest values: ${summary}.`));

  const grid = svg('g', { class: 'grid', 'aria-hidden': 'true' });
  for (let i = 0; i <= Y_TICKS; i++) {
    const value = (yMax * i) / Y_TICKS;
    grid.append(
      svg('line', { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(value), y2: y(value), class: i === 0 ? 'axis' : 'gridline' }),
      svg('text', { x: MARGIN.left - 8, y: y(value) + 4, 'text-anchor': 'end', class: 'tick' }, percent(value, yMax < 0.05 ? 2 : 1)),
    );
  }
  const xTicks = tMax === tMin ? 1 : X_TICKS;
  for (let i = 0; i < xTicks; i++) {
    const t = xTicks === 1 ? tMin : tMin + (span * i) / (xTicks - 1);
    grid.append(svg('text', { x: x(t), y: HEIGHT - MARGIN.bottom + 20, 'text-anchor': i === 0 && xTicks > 1 ? 'start' : i === xTicks - 1 && xTicks > 1 ? 'end' : 'middle', class: 'tick' }, timeLabel(t, span)));
  }
  root.append(grid);

  drawn.forEach((variant, index) => {
    const colour = VARIANT_COLOURS[index % VARIANT_COLOURS.length] ?? '#000000';
    const withRate = variant.points.filter((p) => p.rate !== null);
    const banded = withRate.filter((p) => p.lower !== null && p.upper !== null);
    const dx = dodge(index);
    const group = svg('g', { class: 'variant', 'data-variant': variant.variant_id });
    if (banded.length > 1) {
      const upper = banded.map((p) => ({ x: x(p.t), y: y(p.upper ?? 0) }));
      const lower = banded.map((p) => ({ x: x(p.t), y: y(p.lower ?? 0) })).reverse();
      group.append(svg('path', { d: `${linePath([...upper, ...lower])} Z`, fill: colour, 'fill-opacity': 0.15, stroke: 'none', class: 'band' }));
    } else if (banded.length === 1 && banded[0]) {
      const p = banded[0];
      group.append(svg('line', { x1: x(p.t) + dx, x2: x(p.t) + dx, y1: y(p.lower ?? 0), y2: y(p.upper ?? 0), stroke: colour, 'stroke-opacity': 0.35, 'stroke-width': 8, class: 'band' }));
    }
    const line = withRate.map((p) => ({ x: x(p.t) + dx, y: y(p.rate ?? 0) }));
    if (line.length > 1) group.append(svg('path', { d: linePath(line), fill: 'none', stroke: colour, 'stroke-width': 2.5, class: 'line' }));
    const last = line[line.length - 1];
    if (last) group.append(svg('circle', { cx: last.x, cy: last.y, r: 4, fill: colour, class: 'last-point' }));
    root.append(group);
  });
  figure.append(root);

  const legend = h('ul', { class: 'legend', 'aria-label': 'Variants' });
  drawn.forEach((variant, index) => {
    legend.append(h('li', {}, h('span', { class: `swatch swatch-${index % VARIANT_COLOURS.length}`, 'aria-hidden': 'true' }), variant.variant_name));
  });
  figure.append(legend);
  return figure;
}

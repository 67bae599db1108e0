import type { ExperimentDetail, ExperimentSummary } from '@abtest/results-contract/api';
import { ApiError, getJson } from './api-client.js';
import { detailPage } from './detail-page.js';
import { h } from './dom.js';
import { listPage } from './list-page.js';

/** A burst of events becomes one reload. */
const RELOAD_DEBOUNCE_MS = 150;

type Route = { page: 'list' } | { page: 'detail'; experimentId: string; metric: string | null };

function currentRoute(): Route {
  const match = /^\/experiments\/([^/]+)\/?$/.exec(location.pathname);
  if (!match?.[1]) return { page: 'list' };
  return { page: 'detail', experimentId: decodeURIComponent(match[1]), metric: new URLSearchParams(location.search).get('metric') };
}

const main = document.getElementById('main') as HTMLElement;
const liveStatus = document.getElementById('live') as HTMLElement;
let route = currentRoute();
let reloadTimer: number | undefined;
let loading = false;
let reloadAgain = false;

function showError(error: unknown): void {
  const notFound = error instanceof ApiError && error.status === 404;
  main.replaceChildren(
    h(
      'div',
      { class: 'alert alert-error', role: 'alert' },
      h('h1', {}, notFound ? 'Experiment not found' : 'Results cannot be loaded'),
      h('p', {}, error instanceof Error ? error.message : String(error)),
      h('p', {}, notFound ? 'It appears here as soon as its first results record arrives.' : 'The page tries again when the service is back.', ' ', h('a', { href: '/' }, 'All experiments')),
      h('button', { type: 'button', onclick: () => void load() }, 'Try again'),
    ),
  );
}

async function load(): Promise<void> {
  if (loading) {
    reloadAgain = true;
    return;
  }
  loading = true;
  main.setAttribute('aria-busy', 'true');
  try {
    if (route.page === 'list') {
      const { experiments } = await getJson<{ experiments: ExperimentSummary[] }>('/api/experiments');
      document.title = 'Experiments · A/B results';
      main.replaceChildren(listPage(experiments));
    } else {
      const query = route.metric ? `?metric=${encodeURIComponent(route.metric)}` : '';
      const detail = await getJson<ExperimentDetail>(`/api/experiments/${encodeURIComponent(route.experimentId)}${query}`);
      document.title = `${detail.experiment.experiment_name || detail.experiment.experiment_id} · A/B results`;
      main.replaceChildren(detailPage(detail, { onMetricChange: changeMetric }));
    }
    main.dataset.loadedAt = String(Date.now());
  } catch (error) {
    showError(error);
  } finally {
    loading = false;
    main.removeAttribute('aria-busy');
    if (reloadAgain) {
      reloadAgain = false;
      scheduleReload();
    }
  }
}

function changeMetric(metric: string): void {
  if (route.page !== 'detail') return;
  route = { ...route, metric };
  history.replaceState(null, '', `${location.pathname}?metric=${encodeURIComponent(metric)}`);
  void load();
}

function scheduleReload(): void {
  window.clearTimeout(reloadTimer);
  reloadTimer = window.setTimeout(() => void load(), RELOAD_DEBOUNCE_MS);
}

function concernsPage(data: string): boolean {
  if (route.page === 'list') return true;
  try {
    const parsed: unknown = JSON.parse(data);
    return typeof parsed === 'object' && parsed !== null && 'experiment_id' in parsed && parsed.experiment_id === route.experimentId;
  } catch {
    return true;
  }
}

function setLive(state: 'live' | 'reconnecting'): void {
  liveStatus.textContent = state === 'live' ? 'Live' : 'Reconnecting…';
  liveStatus.className = `live live-${state}`;
  liveStatus.title = state === 'live' ? 'Updates appear as results records arrive' : 'Live updates are interrupted; the browser reconnects by itself';
}

function connect(): void {
  const events = new EventSource('/api/events');
  events.addEventListener('ready', () => {
    setLive('live');
    // Anything missed while disconnected is picked up by one reload.
    scheduleReload();
  });
  events.addEventListener('error', () => setLive('reconnecting'));
  for (const name of ['results', 'breakdown', 'series', 'deleted']) {
    events.addEventListener(name, (event) => {
      if (concernsPage((event as MessageEvent<string>).data)) scheduleReload();
    });
  }
}

connect();
void load();

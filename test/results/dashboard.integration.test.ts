import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka, Producer } from 'kafkajs';
import { resultsTopics } from '@abtest/results-contract';
import { chromium, type Browser, type Page } from 'playwright-core';
import { testKafka } from '@abtest/test-harness';
import { ensureChromium, CHROMIUM_ARGS } from './chromium';
import { breakdownRecord, rebuilding, resultsRecord, seriesRecord } from './records';
import { ARTIFACTS_DIR, buildResults, connectedProducer, produceJson, startResults, uniqueResultsEnv, waitForJson } from './results-helpers';
import type { ResultsService } from '@abtest/results';

/** A laptop screen. */
const VIEWPORT = { width: 1366, height: 900 };
/** The promise: a new results record shows on an open page within this time. */
const LIVE_UPDATE_MS = 2_000;

describe('Results service > dashboard in headless Chromium', () => {
  let kafka: Kafka;
  let producer: Producer;
  let browser: Browser;
  let service: ResultsService;
  let page: Page;
  /** Script errors and console errors of the page (a 404 answer of the not-found case aside): none expected. */
  const browserErrors: string[] = [];
  const env = uniqueResultsEnv();
  const topic = env.RESULTS_TOPIC as string;
  const base = Date.now() - 6 * 3_600_000;

  beforeAll(async () => {
    buildResults();
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    browser = await chromium.launch({ executablePath: ensureChromium(), args: CHROMIUM_ARGS });
    kafka = testKafka();
    producer = await connectedProducer(kafka);
    service = await startResults(env);
    page = await browser.newPage({ viewport: VIEWPORT });
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => browserErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().includes('404')) browserErrors.push(message.text());
    });
  });

  afterEach(() => {
    expect(browserErrors).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await service?.close();
    await producer?.disconnect();
  });

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`), fullPage: true });

  it('should show the empty state, then the list without a reload when the first record arrives', async () => {
    await page.goto(`${service.url}/`);
    await page.getByRole('heading', { name: 'No experiments yet' }).waitFor();
    await page.locator('#live.live-live').waitFor();
    await shot('01-empty');
    await produceJson(producer, topic, 'checkout-button', resultsRecord({ experimentId: 'checkout-button', name: 'Checkout button colour', version: 1, variants: [{ id: 'control', views: 50, clicks: 5 }, { id: 'green', views: 52, clicks: 7 }] }));
    await page.locator('tr[data-experiment="checkout-button"]').waitFor({ timeout: 5_000 });
    expect(await page.locator('tr[data-experiment="checkout-button"] td').nth(1).textContent()).toBe('102');
  });

  it('should show the variant table, the chart and the segments of an experiment, and update them live', async () => {
    const id = 'checkout-button';
    const variants = [
      { id: 'control', views: 4000, clicks: 400, totalViews: 5200, totalClicks: 460 },
      { id: 'green', views: 4040, clicks: 500, totalViews: 5100, totalClicks: 590 },
      { id: 'blue', views: 3980, clicks: 410, totalViews: 5000, totalClicks: 450 },
    ];
    await produceJson(producer, topic, id, resultsRecord({ experimentId: id, name: 'Checkout button colour', version: 2, variants, analysis: { status: 'significant', winner: 'green', lift: 0.22, cupedVarianceReduction: 0.514 } }));
    for (let hour = 0; hour < 6; hour++) {
      const noise = [0.012, -0.008, 0.006, -0.004, 0.002, 0][hour] ?? 0;
      await produceJson(producer, resultsTopics(topic).series, `${id}|hour|${base + hour * 3_600_000}`, seriesRecord({
        experimentId: id,
        bucketStart: base + hour * 3_600_000,
        version: 1,
        variants: [
          { id: 'control', persons: 660, converted: Math.round(660 * (0.1 + noise)) },
          { id: 'green', persons: 670, converted: Math.round(670 * (0.124 - noise)) },
          { id: 'blue', persons: 650, converted: Math.round(650 * (0.103 + noise / 2)) },
        ],
      }));
    }
    for (const [value, share] of [['iOS', 0.6], ['Android', 0.4]] as const) {
      await produceJson(producer, resultsTopics(topic).breakdowns, `${id}|os|${value}`, breakdownRecord(id, 'os', value, 1, variants.map((v) => ({ id: v.id, persons: Math.round(v.views * share), converted: Math.round(v.clicks * share * (value === 'iOS' ? 1.1 : 0.85)) }))));
    }
    await waitForJson(`${service.url}/api/experiments/${id}`, (d: { breakdowns: unknown[]; series: { source: string } }) => d.breakdowns.length === 1 && d.series.source === 'series', 'series and breakdowns read');

    await page.goto(`${service.url}/experiments/${id}`);
    const green = page.locator('#variant-table tr[data-variant="green"]');
    await green.waitFor();
    const cell = (variant: string, field: string) => page.locator(`#variant-table tr[data-variant="${variant}"] td[data-field="${field}"]`).textContent();
    expect(await cell('green', 'unique_views')).toBe('4,040');
    expect(await cell('green', 'total_views')).toBe('5,100');
    expect(await cell('green', 'unique_clicks')).toBe('500');
    expect(await cell('green', 'total_clicks')).toBe('590');
    expect(await cell('green', 'unique_click_rate')).toBe('12.38%');
    expect(await cell('green', 'lift')).toBe('+22.0% [+16.0%, +28.0%]');
    expect(await cell('green', 'p_value')).toBe('0.0040');
    expect(await cell('green', 'chance_to_beat_control')).toBe('97.0%');
    expect(await green.locator('td[data-field="verdict"]').textContent()).toBe('Better');
    expect(await page.locator('#metric-verdicts tr[data-metric="click"][data-variant="green"] [data-role="primary"]').textContent()).toBe('Primary');
    // CUPED-adjusted: the share of the variance the pre-exposure covariate removed, the unadjusted lift on hover.
    const cuped = page.locator('#metric-verdicts tr[data-metric="click"][data-variant="green"] [data-field="cuped"]');
    expect(await cuped.textContent()).toBe(' CUPED: variance -51%');
    expect(await cuped.getAttribute('title')).toBe('CUPED-adjusted with each person’s pre-exposure value (θ = 0.800); unadjusted lift +24.2% [+18.5%, +29.9%]');
    expect(await page.locator('#srm-check').textContent()).toBe('Sample-ratio check: sequential p = 0.4800; chi-square p = 0.4800, informative only.');
    expect(await page.locator('.chart-svg path.line').count()).toBe(3);
    expect(await page.locator('.chart-svg path.band').count()).toBe(3);
    expect(await page.locator('#chart-source').getAttribute('data-source')).toBe('series');
    expect(await page.getByRole('img', { name: /Cumulative conversion rate per variant over time/ }).count()).toBe(1);
    expect(await page.locator('tr[data-segment="iOS"]').count()).toBe(1);
    expect(await page.getByRole('alert').count()).toBe(0);
    await shot('02-experiment');

    // A new record shows on the open page without a reload: the marker set in this page survives.
    // Strings: they run in the page, whose DOM types this (Node) program does not have; evaluate() is not subject to the page's CSP.
    await page.evaluate('window.__sameDocument = true');
    const writtenAt = Date.now();
    await produceJson(producer, topic, id, resultsRecord({ experimentId: id, name: 'Checkout button colour', version: 3, variants: variants.map((v) => ({ ...v, views: v.views + 100 })), analysis: { status: 'significant', winner: 'green', lift: 0.21 } }));
    await page.locator('#variant-table tr[data-variant="green"] td[data-field="unique_views"]', { hasText: /^4,140$/ }).waitFor({ timeout: LIVE_UPDATE_MS * 2 });
    const elapsed = Date.now() - writtenAt;
    expect(elapsed).toBeLessThan(LIVE_UPDATE_MS);
    expect(await page.evaluate<boolean>(`window.__sameDocument === true`)).toBe(true);
    await shot('03-experiment-updated');
  });

  it('should show a failed guardrail as a banner, with role marks and per-metric verdicts, and the restart reason', async () => {
    const id = 'one-click-checkout';
    const restartReason = 'alpha changed from 0.05 to 0.01: running minima and confidence-sequence intersections restarted';
    const variants = [
      { id: 'control', views: 6000, clicks: 600 },
      { id: 'B', views: 6020, clicks: 640 },
    ];
    await produceJson(producer, topic, id, resultsRecord({ experimentId: id, name: 'One-click checkout', version: 1, variants, analysis: { status: 'guardrail_failed', lift: 0.04, guardrail: { variant: 'B', change: 0.12 }, restartReason } }));
    await page.goto(`${service.url}/experiments/${id}`);
    const banner = page.locator('#guardrail-banner');
    await banner.waitFor();
    expect(await banner.getAttribute('role')).toBe('alert');
    expect(await banner.locator('h2').textContent()).toBe('⚠ Guardrail failed: checkout_errors +12% in B');
    expect(await page.locator('.experiment-header .badge-guardrail_failed').textContent()).toBe('Guardrail failed');
    const row = (metric: string) => page.locator(`#metric-verdicts tr[data-metric="${metric}"][data-variant="B"]`);
    expect(await row('checkout_errors').locator('[data-role]').textContent()).toBe('Guardrail');
    expect(await row('checkout_errors').locator('td[data-field="verdict"]').textContent()).toBe('Worse');
    expect(await row('checkout_errors').locator('td[data-field="adjusted_p"]').textContent()).toBe('0.0020 one-sided, Holm');
    // Coloured by the verdict: more errors is a rise, and worse.
    expect(await row('checkout_errors').locator('td[data-field="lift"] .negative').textContent()).toBe('+12.0%');
    expect(await row('click').locator('[data-role]').textContent()).toBe('Primary');
    expect(await row('click').locator('td[data-field="verdict"]').textContent()).toBe('Inconclusive');
    expect(await page.locator('#metric-select option').allTextContents()).toEqual(['click (Primary)', 'checkout_errors (Guardrail)']);
    expect(await page.locator('#restart-reason').textContent()).toBe(`Monitoring restarted. ${restartReason}`);
    await shot('07-guardrail-failed');

    await page.goto(`${service.url}/`);
    const listed = page.locator(`tr[data-experiment="${id}"]`);
    await listed.waitFor();
    expect(await listed.locator('.badge-guardrail_failed').textContent()).toBe('Guardrail failed');
    expect(await listed.getByText('Guardrail failed: checkout_errors +12% in B').count()).toBe(1);
  });

  it('should show a backfill as a labelled progress bar with the history note, and a backfilling badge in the list', async () => {
    const id = 'big-basket';
    const variants = [
      { id: 'control', views: 3000, clicks: 300 },
      { id: 'B', views: 3010, clicks: 330 },
    ];
    const countedFrom = Date.UTC(2026, 10, 1, 6);
    await produceJson(producer, topic, id, rebuilding(resultsRecord({ experimentId: id, name: 'Big basket', version: 1, variants, analysis: { status: 'collecting' } }), { countedFrom }));
    await page.goto(`${service.url}/experiments/${id}`);
    const progress = page.getByRole('progressbar', { name: 'Backfill (generation 2): definitions changed: metric big-basket — 45.0% · 1,234 of 2,740 events · ETA 3 min' });
    await progress.waitFor();
    expect(Number(await progress.getAttribute('value'))).toBe(45);
    expect(await progress.getAttribute('max')).toBe('100');
    expect(await page.locator('.experiment-header #history-note').textContent()).toBe('counted from 2026-11-01: earlier events are past retention');
    await shot('08-backfill');

    // No rate measured yet: the ETA is being estimated; a record without a backfill removes the bar, live.
    await produceJson(producer, topic, id, rebuilding(resultsRecord({ experimentId: id, name: 'Big basket', version: 2, variants, analysis: { status: 'collecting' } }), { eta: null, countedFrom }));
    await page.getByRole('progressbar', { name: /· ETA estimating…$/ }).waitFor();
    await produceJson(producer, topic, id, { ...resultsRecord({ experimentId: id, name: 'Big basket', version: 3, variants, analysis: { status: 'collecting' } }), counted_from: countedFrom });
    await page.locator('#backfill').waitFor({ state: 'detached' });
    expect(await page.locator('#history-note').count()).toBe(1);

    await produceJson(producer, topic, id, rebuilding(resultsRecord({ experimentId: id, name: 'Big basket', version: 4, variants, analysis: { status: 'collecting' } })));
    await page.goto(`${service.url}/`);
    const badge = page.locator(`tr[data-experiment="${id}"] .badge-backfill`);
    await badge.waitFor();
    expect(await badge.textContent()).toBe('backfilling 45%');
    expect(await page.locator('tr[data-experiment="checkout-button"] .badge-backfill').count()).toBe(0);
  });

  it('should make an SRM unmistakable and say when statistics are not available yet', async () => {
    await produceJson(producer, topic, 'broken-split', resultsRecord({ experimentId: 'broken-split', name: 'Pricing page', version: 1, variants: [{ id: 'control', views: 5200, clicks: 520 }, { id: 'cheap', views: 4300, clicks: 480 }], analysis: { status: 'invalid_srm' } }));
    await page.goto(`${service.url}/experiments/broken-split`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Sample ratio mismatch: do not trust these results');
    await shot('04-srm');

    await page.goto(`${service.url}/experiments/checkout-button-v0`);
    await page.getByRole('heading', { name: 'Experiment not found' }).waitFor();
    await produceJson(producer, topic, 'no-stats', resultsRecord({ experimentId: 'no-stats', name: 'Onboarding copy', version: 1, variants: [{ id: 'a', views: 120, clicks: 14 }, { id: 'b', views: 118, clicks: 19 }] }));
    await waitForJson(`${service.url}/api/experiments/no-stats`, () => true, 'the no-stats experiment');
    await page.goto(`${service.url}/experiments/no-stats`);
    await page.getByText('Statistics not available yet.').waitFor();
    expect(await page.locator('#chart-source').getAttribute('data-source')).toBe('results_history');
    await shot('05-no-statistics');

    await page.goto(`${service.url}/`);
    await page.locator('tr[data-experiment="broken-split"]').waitFor();
    expect(await page.locator('tr[data-experiment="broken-split"] .badge-srm').count()).toBe(1);
    await shot('06-list');
  });
});

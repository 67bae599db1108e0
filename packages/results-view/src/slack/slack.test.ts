import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SlackDeliveryError } from '../errors';
import { statusSnapshot } from '../status/status-change';
import { CHECKOUT_ERRORS_FAILURE, record } from '../testing/fixtures';
import { escapeMrkdwn, slackMessage } from './slack-message';
import { SlackWebhook } from './slack-webhook';

describe('slackMessage', () => {
  it('should announce a winner with the lift, its confidence sequence and a dashboard link', () => {
    const message = slackMessage('winner_declared', statusSnapshot(record('winner', { experiment_name: 'Buy <now> & save' })), 'https://results.example/experiments/exp-1');
    expect(message.text).toBe(':trophy: Winner declared in Buy &lt;now&gt; &amp; save (exp-1)');
    const body = message.blocks[0]?.type === 'section' ? message.blocks[0].text.text : '';
    expect(body).toContain('Variant *green* vs control on `click`: lift +20.0% (95% confidence sequence +5.0% to +35.0%), adjusted sequential p = 0.0300');
    expect(body).toContain('<https://results.example/experiments/exp-1|Open the dashboard>');
  });

  it('should tell what an SRM means, with the sequential SRM p-value that flagged it', () => {
    const message = slackMessage('srm_detected', statusSnapshot(record('srm')), 'https://x');
    expect(JSON.stringify(message.blocks)).toContain('do not trust or act on these results');
    expect(JSON.stringify(message.blocks)).toContain('(sequential SRM p = 1.0e-5; chi-square p = 1.0e-8, informative)');
  });

  it('should name every failed guardrail with its change and variant, and link the dashboard', () => {
    const second = { ...CHECKOUT_ERRORS_FAILURE, metric_id: 'latency_ms', guardrail_p_value_adjusted: 0.01, summary: 'latency_ms +8% in green' };
    const guardrail = record('guardrail');
    const analysis = guardrail.analysis && { ...guardrail.analysis, guardrail_failures: [...guardrail.analysis.guardrail_failures, second] };
    const message = slackMessage('guardrail_failed', statusSnapshot({ ...guardrail, analysis }), 'https://results.example/experiments/exp-1');
    expect(message.text).toBe(':rotating_light: Guardrail failed: checkout_errors +12% in green; latency_ms +8% in green — Checkout button (exp-1)');
    const body = message.blocks[0]?.type === 'section' ? message.blocks[0].text.text : '';
    expect(body).toContain('checkout_errors +12% in green: adjusted p = 0.0020; latency_ms +8% in green: adjusted p = 0.0100');
    expect(body).toContain('Holm-adjusted < 0.05');
    expect(body).toContain('<https://results.example/experiments/exp-1|Open the dashboard>');
  });

  it('should escape Slack markup', () => {
    expect(escapeMrkdwn('<a> & <b>')).toBe('&lt;a&gt; &amp; &lt;b&gt;');
  });
});

describe('SlackWebhook', () => {
  let server: Server;
  let url: string;
  let answers: Array<{ status: number; headers?: Record<string, string> }> = [];
  let calls = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      calls++;
      req.resume();
      const answer = answers.shift() ?? { status: 200 };
      res.writeHead(answer.status, answer.headers).end(answer.status === 200 ? 'ok' : 'no');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });

  beforeEach(() => {
    calls = 0;
    answers = [];
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const fast = { attempts: 3, initialDelayMs: 1, maxDelayMs: 5 };
  const message = { text: 'hi', blocks: [] };

  it('should retry a 500 and a 429 and succeed', async () => {
    answers = [{ status: 500 }, { status: 429, headers: { 'retry-after': '0' } }];
    await new SlackWebhook({ url, retry: fast }).post(message);
    expect(calls).toBe(3);
  });

  it('should not retry a 404 (a wrong or revoked webhook URL)', async () => {
    answers = [{ status: 404 }];
    const error = await new SlackWebhook({ url, retry: fast }).post(message).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlackDeliveryError);
    expect(error).toMatchObject({ status: 404, retriable: false });
    expect(calls).toBe(1);
  });

  it('should give up after the configured attempts with a retriable error', async () => {
    answers = [{ status: 503 }, { status: 503 }, { status: 503 }];
    await expect(new SlackWebhook({ url, retry: fast }).post(message)).rejects.toMatchObject({ status: 503, retriable: true });
    expect(calls).toBe(3);
  });
});

import { SlackDeliveryError } from '../errors';
import { retry, type RetryPolicy } from '@abtest/retry';
import type { SlackMessage } from './slack-message';

export interface SlackWebhookOptions {
  /** The incoming-webhook URL (https://hooks.slack.com/services/...). */
  url: string;
  /** Per call. Default 10000. */
  timeoutMs?: number;
  /** Tries per message before it is left for a later delivery. */
  retry?: Omit<RetryPolicy, 'signal' | 'onRetry'>;
  onRetry?: RetryPolicy['onRetry'];
}

export const SLACK_RETRY_DEFAULTS: Omit<RetryPolicy, 'signal' | 'onRetry'> = { attempts: 5, initialDelayMs: 500, maxDelayMs: 8_000 };
const DEFAULT_TIMEOUT_MS = 10_000;
const SECOND_MS = 1_000;

/**
 * Posts messages to a Slack incoming webhook. 429 (honouring Retry-After),
 * 5xx, time-outs and network errors are retried with exponential backoff;
 * other answers are final (the URL or the message is wrong).
 */
export class SlackWebhook {
  constructor(private readonly options: SlackWebhookOptions) {}

  async post(message: SlackMessage, signal?: AbortSignal): Promise<void> {
    const retryOptions = { ...(this.options.retry ?? SLACK_RETRY_DEFAULTS), ...(signal ? { signal } : {}), ...(this.options.onRetry ? { onRetry: this.options.onRetry } : {}) };
    await retry(() => this.postOnce(message), retryOptions);
  }

  private async postOnce(message: SlackMessage): Promise<void> {
    let response: Response;
    try {
      response = await fetch(this.options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
    } catch (error) {
      throw new SlackDeliveryError(`Slack webhook unreachable: ${error instanceof Error ? error.message : String(error)}`, null, { retriable: true, cause: error });
    }
    const body = await response.text();
    if (response.ok) return;
    const retryAfter = Number(response.headers.get('retry-after'));
    const retriable = response.status === 429 || response.status >= 500;
    throw new SlackDeliveryError(`Slack webhook answered ${response.status} ${body.slice(0, 200)}; expected 200 ok`, response.status, {
      retriable,
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * SECOND_MS } : {}),
    });
  }
}

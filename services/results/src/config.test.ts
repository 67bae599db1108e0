import { loadConfig, ResultsConfigError } from './config';

const required = { KAFKA_BROKERS: 'localhost:9092', REDIS_URL: 'redis://localhost:6379' };

describe('loadConfig', () => {
  it('should apply the documented defaults', () => {
    const config = loadConfig(required);
    expect(config).toMatchObject({
      resultsTopic: 'experiment-results',
      breakdownsTopic: 'experiment-results-breakdowns',
      seriesTopic: 'experiment-results-series',
      decisionsTopic: 'experiment-decisions',
      port: 8082,
      dashboardBaseUrl: 'http://localhost:8082',
      slackWebhookUrl: undefined,
      schemaRegistryUrl: undefined,
      redisKeyPrefix: 'abtest:',
    });
    expect(config.kafka.clientId).toBe('abtest-results');
  });

  it('should derive the companion topics from RESULTS_TOPIC and strip a trailing slash of DASHBOARD_BASE_URL', () => {
    const config = loadConfig({ ...required, RESULTS_TOPIC: 'r', SERIES_TOPIC: 's', DASHBOARD_BASE_URL: 'https://results.example.com/', SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/X' });
    expect(config).toMatchObject({ breakdownsTopic: 'r-breakdowns', seriesTopic: 's', dashboardBaseUrl: 'https://results.example.com', slackWebhookUrl: 'https://hooks.slack.com/services/T/B/X' });
  });

  it('should refuse to start naming every wrong variable', () => {
    const load = () => loadConfig({ KAFKA_BROKERS: 'localhost:9092', RESULTS_PORT: 'eighty', SLACK_WEBHOOK_URL: 'not a url' });
    expect(load).toThrow(ResultsConfigError);
    expect(load).toThrow(/REDIS_URL is required/);
    expect(load).toThrow(/RESULTS_PORT must be a number/);
    expect(load).toThrow(/SLACK_WEBHOOK_URL must be the incoming-webhook URL/);
  });
});

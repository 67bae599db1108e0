import { Client } from 'pg';
import { testPostgresUrl } from '@abtest/test-harness';

export interface ExpectedVariant {
  experiment_id: string;
  variant_id: string;
  unique_views: number;
  total_views: number;
  unique_clicks: number;
  total_clicks: number;
}

/** The record key: anonymousId, else userId. */
const PERSON_KEY = `coalesce(nullif(data->>'anonymousId', ''), data->>'userId')`;

/**
 * Computes the expected results independently: the events go into
 * PostgreSQL and the seed article's SQL views (extended to both property
 * namings and to userId-only persons) run over them after de-duplicating
 * on (person key, messageId), the processor's rule.
 */
export async function expectedCountsFromPostgres(events: Array<Record<string, unknown>>): Promise<{ variants: ExpectedVariant[]; clicksOnUnviewed: Map<string, number> }> {
  const client = new Client({ connectionString: testPostgresUrl() });
  await client.connect();
  try {
    await client.query('CREATE TEMP TABLE raw_events (data jsonb)');
    await client.query('INSERT INTO raw_events SELECT jsonb_array_elements($1::jsonb)', [JSON.stringify(events)]);
    await client.query(`CREATE TEMP VIEW events AS SELECT DISTINCT ON (data->>'messageId', ${PERSON_KEY}) data FROM raw_events ORDER BY data->>'messageId', ${PERSON_KEY}`);
    for (const [view, name] of [['experiment_viewed', 'Experiment Viewed'], ['experiment_clicked', 'Experiment Clicked']]) {
      await client.query(`CREATE TEMP VIEW ${view} AS SELECT
          coalesce(data->>'anonymousId', data->>'userId') AS anonymous_id,
          coalesce(data->'properties'->>'experiment_id', data->'properties'->>'experiment_name', data->'properties'->>'experimentName') AS experiment_name,
          coalesce(data->'properties'->>'variation_id', data->'properties'->>'variation_name', data->'properties'->>'variationName') AS variation_name
        FROM events WHERE data->>'event' = '${name}'`);
    }
    const { rows } = await client.query<{ experiment_name: string; variation_name: string; unique_views: string; total_views: string; unique_clicks: string | null; total_clicks: string | null }>(`
      SELECT v.experiment_name, v.variation_name, v.uniques AS unique_views, v.impressions AS total_views, c.uniques AS unique_clicks, c.impressions AS total_clicks
      FROM (SELECT experiment_name, variation_name, COUNT(DISTINCT(anonymous_id)) AS uniques, COUNT(*) AS impressions FROM experiment_viewed GROUP BY 1, 2) v
      LEFT JOIN (SELECT experiment_name, variation_name, COUNT(DISTINCT(anonymous_id)) AS uniques, COUNT(*) AS impressions FROM experiment_clicked GROUP BY 1, 2) c
      ON c.experiment_name = v.experiment_name AND c.variation_name = v.variation_name`);
    const unviewed = await client.query<{ experiment_name: string; clicks: string }>(`
      SELECT c.experiment_name, COUNT(*) AS clicks FROM experiment_clicked c
      WHERE NOT EXISTS (SELECT 1 FROM experiment_viewed v WHERE v.experiment_name = c.experiment_name AND v.variation_name = c.variation_name)
      GROUP BY 1`);
    return {
      variants: rows.map((r) => ({
        experiment_id: r.experiment_name,
        variant_id: r.variation_name,
        unique_views: Number(r.unique_views),
        total_views: Number(r.total_views),
        unique_clicks: Number(r.unique_clicks ?? 0),
        total_clicks: Number(r.total_clicks ?? 0),
      })),
      clicksOnUnviewed: new Map(unviewed.rows.map((r) => [r.experiment_name, Number(r.clicks)])),
    };
  } finally {
    await client.end();
  }
}

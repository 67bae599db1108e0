import type { MetricDefinition, PropertyFilter } from '@abtest/definitions';
import { Client } from 'pg';
import { testPostgresUrl } from '@abtest/test-harness';

/*
 * The reference for the conversion-metric figures of the processor: the
 * attribution rules of packages/experiments/README.md ("Conversion metrics:
 * the attribution rules") computed independently, in SQL, over the events
 * loaded into PostgreSQL with their arrival index. Every rule (de-duplication,
 * identity, assignment, filters, counting, caps, breakdown dimensions) is a
 * SQL statement built from the metric definitions; TypeScript only builds the
 * statements and reshapes the result rows.
 */

/** The fields of a metric definition (@abtest/definitions) the figures depend on; a full definition will do. */
export type ReferenceMetric = Pick<MetricDefinition, 'id' | 'type' | 'event' | 'filters' | 'value_path' | 'cap' | 'scope'> & Partial<Pick<MetricDefinition, 'cuped'>>;

/** CUPED metrics: Σ X, Σ X², Σ X·Y over the variant's persons (X the covariate, Y the person's total). */
export interface ExpectedCupedSums {
  sum_x: number;
  sum_x_squares: number;
  sum_xy: number;
}

/** Sums computed in floating point (ours) and exactly (PostgreSQL's numeric) compared at 1e-6. */
export const roundFigure = (value: number): number => Math.round(value * 1e6) / 1e6;

/** CUPED sums as comparable with the reference's; null for none. */
export const comparableCupedSums = (sums: ExpectedCupedSums | null | undefined): ExpectedCupedSums | null =>
  sums ? { sum_x: roundFigure(sums.sum_x), sum_x_squares: roundFigure(sums.sum_x_squares), sum_xy: roundFigure(sums.sum_xy) } : null;

export interface ExpectedMetricFigures {
  metric_id: string;
  persons_converted: number;
  event_count: number;
  sum: number;
  sum_squares: number;
  /** Variants of CUPED metrics only. */
  cuped?: ExpectedCupedSums;
}

export interface ExpectedVariantConversions {
  experiment_id: string;
  variant_id: string;
  persons: number;
  metrics: ExpectedMetricFigures[];
}

export interface ExpectedBreakdown {
  experiment_id: string;
  dimension: string;
  value: string;
  variant_id: string;
  persons: number;
  metrics: ExpectedMetricFigures[];
}

export interface ExpectedConversions {
  /** Every (experiment, variant) with at least one exposure, `persons` possibly 0, sorted by experiment then variant. */
  variants: ExpectedVariantConversions[];
  /** Per experiment with exposures (0 included): persons exposed to two or more of its variants. */
  variantSwitchers: Map<string, number>;
  /** Per (experiment, dimension, value, variant) with at least one assigned person. */
  breakdowns: ExpectedBreakdown[];
}

export interface ExpectedConversionsOptions {
  /** Breakdown dimensions: `context.…` paths read from the assigning exposure, `traits.…` from the person's identify traits. */
  dimensions: string[];
  /**
   * Which metrics an experiment reports: a `global` metric applies to every
   * experiment, a `local` one to the experiments listing it. Without this
   * option every metric applies to every experiment.
   */
  experiments?: Array<{ id: string; metrics: string[] }>;
  /**
   * Value metrics, event whose value at `value_path` is not a finite number:
   * `not_counted` (default, the reading of "do not count": no event_count,
   * no conversion) or `counted_without_value` (a counted event adding 0).
   */
  nonNumericValues?: 'not_counted' | 'counted_without_value';
  /** Distinct values per dimension the reference can model (it has no `other` grouping): more fails loudly. Default 20. */
  maxValuesPerDimension?: number;
}

/** Positional parameters of one statement. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown, cast: string): string {
    this.values.push(value);
    return `$${this.values.length}::${cast}`;
  }
  json(value: unknown): string {
    return this.add(JSON.stringify(value === undefined ? null : value), 'jsonb');
  }
  path(path: string): string {
    return this.add(path.split('.'), 'text[]');
  }
}

/**
 * One filter as a SQL condition on `e.data` (a JSON path that is missing is
 * SQL NULL), with the semantics documented on @abtest/definitions'
 * PropertyFilter: scalars compared strictly, numeric comparisons only on
 * numbers, `exists` = present and not null.
 */
function filterSql(filter: PropertyFilter, p: Params): string {
  const at = `(e.data #> ${p.path(filter.path)})`;
  const numeric = (sqlOp: string): string => {
    if (typeof filter.value !== 'number' || !Number.isFinite(filter.value)) throw new Error(`filter ${filter.path} ${filter.op}: the reference compares numbers only, got ${JSON.stringify(filter.value)}`);
    // CASE, not AND: PostgreSQL does not promise to evaluate the type check first.
    return `coalesce(CASE WHEN jsonb_typeof(${at}) = 'number' THEN (${at} #>> '{}')::numeric ${sqlOp} ${p.add(filter.value, 'numeric')} END, false)`;
  };
  switch (filter.op) {
    // JSON equality: type-strict ("1" ≠ 1), numerically exact (1 = 1.0); a JSON null equals null, a missing field nothing.
    case 'eq':
      return `coalesce(${at} = ${p.json(filter.value)}, false)`;
    // A missing path is "not equal" (undefined !== value).
    case 'neq':
      return `(${at} IS DISTINCT FROM ${p.json(filter.value)})`;
    case 'in':
      if (!Array.isArray(filter.value)) throw new Error(`filter ${filter.path} in: the value must be an array`);
      return `EXISTS (SELECT 1 FROM jsonb_array_elements(${p.json(filter.value)}) AS candidate(v) WHERE candidate.v = ${at})`;
    case 'gt':
      return numeric('>');
    case 'gte':
      return numeric('>=');
    case 'lt':
      return numeric('<');
    case 'lte':
      return numeric('<=');
    // Present and not null; `value: false` asks for the opposite.
    case 'exists':
      return `(coalesce(jsonb_typeof(${at}) <> 'null', false) = ${filter.value === false ? 'false' : 'true'})`;
    default:
      throw new Error(`unknown filter op ${String((filter as { op: unknown }).op)}`);
  }
}

/** The events of one metric's event name passing its filters, and their value: the SQL conditions on `e` and the value expression. */
function matchingSql(metric: ReferenceMetric, nonNumeric: 'not_counted' | 'counted_without_value', p: Params): { conditions: string[]; value: string } {
  const conditions = [`e.type = 'track'`, `e.data ->> 'event' = ${p.add(metric.event, 'text')}`, ...metric.filters.map((f) => filterSql(f, p))];
  let value = 'NULL::numeric';
  if (metric.type === 'value') {
    if (!metric.value_path) throw new Error(`value metric ${metric.id} has no value_path`);
    const at = `(e.data #> ${p.path(metric.value_path)})`;
    // A JSON number is always finite (JSON has no NaN/Infinity); strings such as "19.99", null or a missing value are not numbers.
    value = `CASE WHEN jsonb_typeof(${at}) = 'number' THEN (${at} #>> '{}')::numeric END`;
    if (nonNumeric === 'not_counted') conditions.push(`jsonb_typeof(${at}) = 'number'`);
  }
  return { conditions, value };
}

/** The counted events of one metric: (metric, experiment, variant, person, value) rows. */
function countedEventsSql(metric: ReferenceMetric, nonNumeric: 'not_counted' | 'counted_without_value', p: Params): string {
  const { conditions, value } = matchingSql(metric, nonNumeric, p);
  const metricId = p.add(metric.id, 'text');
  // Counted from the assigning exposure on, by event time.
  return `SELECT ${metricId} AS metric_id, a.experiment_id, a.variant_id, a.person, e.idx, ${value} AS value
    FROM assignments a
    JOIN applies ap ON ap.metric_id = ${metricId} AND ap.experiment_id = a.experiment_id
    JOIN pev e ON e.person = a.person
    WHERE e.ts >= a.exposed_at AND ${conditions.join('\n      AND ')}`;
}

/**
 * The pre-exposure events of one CUPED metric: those whose UTC day is one of
 * the window's whole days before the day of the assigning exposure.
 */
function covariateEventsSql(metric: ReferenceMetric & { cuped: NonNullable<MetricDefinition['cuped']> }, p: Params): string {
  const { conditions, value } = matchingSql(metric, 'not_counted', p);
  const metricId = p.add(metric.id, 'text');
  const exposureDay = `date_trunc('day', a.exposed_at AT TIME ZONE 'UTC')`;
  const day = `date_trunc('day', e.ts AT TIME ZONE 'UTC')`;
  return `SELECT ${metricId} AS metric_id, a.experiment_id, a.person, ${metric.type === 'value' ? value : '1::numeric'} AS value
    FROM assignments a
    JOIN applies ap ON ap.metric_id = ${metricId} AND ap.experiment_id = a.experiment_id
    JOIN pev e ON e.person = a.person
    WHERE ${day} < ${exposureDay} AND ${day} >= ${exposureDay} - ${p.add(metric.cuped.window, 'bigint')} * interval '1 millisecond'
      AND ${conditions.join('\n      AND ')}`;
}

/** A JSON scalar as an id (strings and numbers, like the processor's `text()`), empty → NULL. */
const idOf = (json: string): string => `CASE WHEN jsonb_typeof(${json}) IN ('string', 'number') THEN nullif(${json} #>> '{}', '') END`;

/**
 * Computes the expected conversion figures of `events` (in arrival order) in
 * PostgreSQL (the harness's, or `PG_URL`).
 *
 * Identity assumption: the link that maps a `userId` to an `anonymousId` is
 * the first one by arrival (an `alias` previousId → userId, or any event with
 * both ids), applied to every userId-only event whatever their relative
 * arrival. This is the contract only if every link arrives before, or at most
 * the grace period after, the userId-only events it maps — true of the
 * generated streams (generate-conversion-events.ts) and of the hand-written
 * tests, not checked here.
 *
 * Traits: the value of `traits.<name>` is the one of the person's latest
 * identify (by arrival) that carries it and arrived before the assigning
 * exposure arrived.
 */
export async function expectedConversionsFromPostgres(
  events: Array<Record<string, unknown>>,
  metrics: ReferenceMetric[],
  options: ExpectedConversionsOptions,
): Promise<ExpectedConversions> {
  const nonNumeric = options.nonNumericValues ?? 'not_counted';
  const maxValues = options.maxValuesPerDimension ?? 20;
  if (new Set(metrics.map((m) => m.id)).size !== metrics.length) throw new Error('metric ids must be unique');
  const client = new Client({ connectionString: testPostgresUrl() });
  await client.connect();
  try {
    // Arrival index = position in the stream.
    await client.query('CREATE TEMP TABLE raw_events (idx int PRIMARY KEY, data jsonb NOT NULL)');
    await client.query('INSERT INTO raw_events SELECT (ord - 1)::int, value FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(value, ord)', [JSON.stringify(events)]);

    // De-duplication: one event per (person key, messageId), the first arrival wins; events without either are all kept.
    const dedupKey = `coalesce(${idOf(`data -> 'messageId'`)} || chr(1) || coalesce(${idOf(`data -> 'anonymousId'`)}, ${idOf(`data -> 'userId'`)}), 'arrival:' || idx)`;
    await client.query(`CREATE TEMP TABLE ev AS
      SELECT DISTINCT ON (${dedupKey})
        idx, data, data ->> 'type' AS type,
        ${idOf(`data -> 'anonymousId'`)} AS anon,
        ${idOf(`data -> 'userId'`)} AS uid,
        (data ->> 'timestamp')::timestamptz AS ts
      FROM raw_events
      ORDER BY ${dedupKey}, idx`);

    // Identity: the first link of each userId by arrival (alias previousId → userId, or both ids on one event).
    await client.query(`CREATE TEMP TABLE links AS
      SELECT DISTINCT ON (uid) uid, anon FROM (
        SELECT idx, 0 AS kind, uid, ${idOf(`data -> 'previousId'`)} AS anon FROM ev WHERE type = 'alias'
        UNION ALL
        SELECT idx, 1 AS kind, uid, anon FROM ev
      ) l
      WHERE uid IS NOT NULL AND anon IS NOT NULL
      ORDER BY uid, idx, kind`);
    // Canonical person: anonymousId, else the linked anonymousId of the userId, else the userId.
    await client.query(`CREATE TEMP TABLE pev AS
      SELECT ev.*, coalesce(ev.anon, l.anon, ev.uid) AS person
      FROM ev LEFT JOIN links l ON ev.anon IS NULL AND l.uid = ev.uid`);
    await client.query('CREATE INDEX ON pev (person)');

    // Exposures, in either property naming (the id wins over the name as the key).
    await client.query(`CREATE TEMP TABLE exposures AS
      SELECT * FROM (
        SELECT idx, person, ts, data,
          coalesce(${idOf(`data #> '{properties,experiment_id}'`)}, ${idOf(`data #> '{properties,experiment_name}'`)}, ${idOf(`data #> '{properties,experimentName}'`)}) AS experiment_id,
          coalesce(${idOf(`data #> '{properties,variation_id}'`)}, ${idOf(`data #> '{properties,variation_name}'`)}, ${idOf(`data #> '{properties,variationName}'`)}) AS variant_id
        FROM pev WHERE type = 'track' AND data ->> 'event' = 'Experiment Viewed' AND person IS NOT NULL
      ) x WHERE experiment_id IS NOT NULL AND variant_id IS NOT NULL`);

    // Assignment: the earliest exposure by event time, ties by arrival.
    await client.query(`CREATE TEMP TABLE assignments AS
      SELECT DISTINCT ON (experiment_id, person) experiment_id, person, variant_id, ts AS exposed_at, idx AS exposure_idx, data AS exposure
      FROM exposures ORDER BY experiment_id, person, ts, idx`);
    await client.query('CREATE INDEX ON assignments (person)');

    // Metric definitions and which experiments report which metric.
    const defs = metrics.map((m, ord) => ({ id: m.id, type: m.type, cap: m.cap, scope: m.scope, ord }));
    await client.query(
      `CREATE TEMP TABLE metric_defs AS
        SELECT d ->> 'id' AS metric_id, d ->> 'type' AS type, (d ->> 'cap')::numeric AS cap, d ->> 'scope' AS scope, (d ->> 'ord')::int AS ord
        FROM jsonb_array_elements($1::jsonb) d`,
      [JSON.stringify(defs)],
    );
    await client.query(
      `CREATE TEMP TABLE applies AS
        SELECT m.metric_id, x.experiment_id, m.ord FROM metric_defs m CROSS JOIN (SELECT DISTINCT experiment_id FROM exposures) x
        WHERE $1::jsonb IS NULL OR m.scope = 'global' OR EXISTS (
          SELECT 1 FROM jsonb_array_elements($1::jsonb) ex, jsonb_array_elements_text(ex -> 'metrics') listed(metric_id)
          WHERE ex ->> 'id' = x.experiment_id AND listed.metric_id = m.metric_id)`,
      [options.experiments ? JSON.stringify(options.experiments) : null],
    );

    // Counted events of every metric, then per-person totals (1 for conversions; capped value sums).
    const p = new Params();
    const counted = metrics.length > 0 ? metrics.map((m) => countedEventsSql(m, nonNumeric, p)).join('\n    UNION ALL\n    ') : 'SELECT NULL::text AS metric_id, NULL::text AS experiment_id, NULL::text AS variant_id, NULL::text AS person, NULL::int AS idx, NULL::numeric AS value WHERE false';
    await client.query(`CREATE TEMP TABLE counted AS ${counted}`, p.values);
    await client.query(`CREATE TEMP TABLE totals AS
      SELECT c.metric_id, c.experiment_id, c.variant_id, c.person, count(*) AS event_count,
        CASE WHEN m.type = 'conversion' THEN 1::numeric
             WHEN m.cap IS NULL THEN coalesce(sum(c.value), 0)
             ELSE least(coalesce(sum(c.value), 0), m.cap) END AS total
      FROM counted c JOIN metric_defs m USING (metric_id)
      GROUP BY c.metric_id, c.experiment_id, c.variant_id, c.person, m.type, m.cap`);

    // CUPED metrics: each assigned person's covariate X (capped like the total; 1 for a conversion), then per variant Σ X, Σ X², Σ X·Y (X = 0 without activity).
    const cupedMetrics = metrics.filter((m): m is ReferenceMetric & { cuped: NonNullable<MetricDefinition['cuped']> } => m.cuped !== undefined && m.cuped !== null);
    const cp = new Params();
    const pre = cupedMetrics.length > 0 ? cupedMetrics.map((m) => covariateEventsSql(m, cp)).join('\n    UNION ALL\n    ') : 'SELECT NULL::text AS metric_id, NULL::text AS experiment_id, NULL::text AS person, NULL::numeric AS value WHERE false';
    await client.query(
      `CREATE TEMP TABLE covariates AS
        SELECT c.metric_id, c.experiment_id, c.person,
          CASE WHEN m.type = 'conversion' THEN 1::numeric WHEN m.cap IS NULL THEN sum(c.value) ELSE least(sum(c.value), m.cap) END AS x
        FROM (${pre}) c JOIN metric_defs m USING (metric_id)
        GROUP BY c.metric_id, c.experiment_id, c.person, m.type, m.cap`,
      cp.values,
    );
    const cupedRows = await client.query<{ experiment_id: string; variant_id: string; metric_id: string; sum_x: string; sum_x_squares: string; sum_xy: string }>(
      `SELECT a.experiment_id, a.variant_id, ap.metric_id,
          sum(coalesce(cv.x, 0)) AS sum_x, sum(coalesce(cv.x, 0) ^ 2) AS sum_x_squares, sum(coalesce(cv.x, 0) * coalesce(t.total, 0)) AS sum_xy
        FROM assignments a
        JOIN applies ap ON ap.experiment_id = a.experiment_id AND ap.metric_id = ANY($1::text[])
        LEFT JOIN covariates cv ON cv.metric_id = ap.metric_id AND cv.experiment_id = a.experiment_id AND cv.person = a.person
        LEFT JOIN totals t ON t.metric_id = ap.metric_id AND t.experiment_id = a.experiment_id AND t.person = a.person
        GROUP BY 1, 2, 3`,
      [cupedMetrics.map((m) => m.id)],
    );
    const cupedSums = new Map(cupedRows.rows.map((r) => [[r.experiment_id, r.variant_id, r.metric_id].join('\u0000'), { sum_x: Number(r.sum_x), sum_x_squares: Number(r.sum_x_squares), sum_xy: Number(r.sum_xy) }]));
    const noActivity = { sum_x: 0, sum_x_squares: 0, sum_xy: 0 };

    // Per variant: every variant with an exposure, every metric the experiment reports.
    const variantRows = await client.query<FigureRow & { experiment_id: string; variant_id: string; persons: string }>(`
      WITH variants AS (SELECT DISTINCT experiment_id, variant_id FROM exposures),
      persons AS (SELECT experiment_id, variant_id, count(*) AS persons FROM assignments GROUP BY 1, 2),
      agg AS (
        SELECT metric_id, experiment_id, variant_id, count(*) AS persons_converted, sum(event_count) AS event_count, sum(total) AS sum, sum(total * total) AS sum_squares
        FROM totals GROUP BY 1, 2, 3)
      SELECT v.experiment_id, v.variant_id, coalesce(p.persons, 0) AS persons, ap.metric_id,
        coalesce(agg.persons_converted, 0) AS persons_converted, coalesce(agg.event_count, 0) AS event_count,
        coalesce(agg.sum, 0) AS sum, coalesce(agg.sum_squares, 0) AS sum_squares
      FROM variants v
      LEFT JOIN persons p USING (experiment_id, variant_id)
      LEFT JOIN applies ap USING (experiment_id)
      LEFT JOIN agg ON agg.metric_id = ap.metric_id AND agg.experiment_id = v.experiment_id AND agg.variant_id = v.variant_id
      ORDER BY v.experiment_id, v.variant_id, ap.ord`);

    const switcherRows = await client.query<{ experiment_id: string; switchers: string }>(`
      SELECT x.experiment_id, count(s.person) AS switchers
      FROM (SELECT DISTINCT experiment_id FROM exposures) x
      LEFT JOIN (SELECT experiment_id, person FROM exposures GROUP BY 1, 2 HAVING count(DISTINCT variant_id) > 1) s USING (experiment_id)
      GROUP BY x.experiment_id ORDER BY x.experiment_id`);

    // Breakdown dimensions, fixed at the assigning exposure.
    await client.query(
      `CREATE TEMP TABLE person_dims AS
        SELECT a.experiment_id, a.person, a.variant_id, d.dimension, coalesce(
          CASE WHEN d.dimension LIKE 'traits.%' THEN (
            SELECT i.data #>> string_to_array(d.dimension, '.') FROM pev i
            WHERE i.person = a.person AND i.type = 'identify' AND i.idx < a.exposure_idx
              AND jsonb_typeof(i.data #> string_to_array(d.dimension, '.')) <> 'null'
            ORDER BY i.idx DESC LIMIT 1)
          ELSE CASE WHEN jsonb_typeof(a.exposure #> string_to_array(d.dimension, '.')) <> 'null' THEN a.exposure #>> string_to_array(d.dimension, '.') END
          END, 'unknown') AS value
        FROM assignments a CROSS JOIN unnest($1::text[]) AS d(dimension)`,
      [options.dimensions],
    );
    const crowded = await client.query<{ experiment_id: string; dimension: string; n: string }>(
      'SELECT experiment_id, dimension, count(DISTINCT value) AS n FROM person_dims GROUP BY 1, 2 HAVING count(DISTINCT value) > $1',
      [maxValues],
    );
    if (crowded.rows.length > 0) {
      throw new Error(`the reference has no "other" grouping; too many values: ${crowded.rows.map((r) => `${r.experiment_id} ${r.dimension} (${r.n})`).join(', ')}`);
    }
    const breakdownRows = await client.query<FigureRow & { experiment_id: string; dimension: string; value: string; variant_id: string; persons: string }>(`
      WITH grp AS (SELECT experiment_id, dimension, value, variant_id, count(*) AS persons FROM person_dims GROUP BY 1, 2, 3, 4),
      agg AS (
        SELECT t.metric_id, d.experiment_id, d.dimension, d.value, d.variant_id,
          count(*) AS persons_converted, sum(t.event_count) AS event_count, sum(t.total) AS sum, sum(t.total * t.total) AS sum_squares
        FROM totals t JOIN person_dims d USING (experiment_id, person) GROUP BY 1, 2, 3, 4, 5)
      SELECT g.experiment_id, g.dimension, g.value, g.variant_id, g.persons, ap.metric_id,
        coalesce(agg.persons_converted, 0) AS persons_converted, coalesce(agg.event_count, 0) AS event_count,
        coalesce(agg.sum, 0) AS sum, coalesce(agg.sum_squares, 0) AS sum_squares
      FROM grp g
      LEFT JOIN applies ap USING (experiment_id)
      LEFT JOIN agg ON agg.metric_id = ap.metric_id AND agg.experiment_id = g.experiment_id AND agg.dimension = g.dimension AND agg.value = g.value AND agg.variant_id = g.variant_id
      ORDER BY g.experiment_id, g.dimension, g.value, g.variant_id, ap.ord`);

    const variants = groupRows(variantRows.rows, (r) => `${r.experiment_id}\u0000${r.variant_id}`, (r) => ({ experiment_id: r.experiment_id, variant_id: r.variant_id, persons: Number(r.persons) }));
    for (const variant of variants) {
      for (const metric of variant.metrics) {
        if (cupedMetrics.some((m) => m.id === metric.metric_id)) metric.cuped = cupedSums.get([variant.experiment_id, variant.variant_id, metric.metric_id].join('\u0000')) ?? noActivity;
      }
    }
    return {
      variants,
      variantSwitchers: new Map(switcherRows.rows.map((r) => [r.experiment_id, Number(r.switchers)])),
      breakdowns: groupRows(
        breakdownRows.rows,
        (r) => [r.experiment_id, r.dimension, r.value, r.variant_id].join('\u0000'),
        (r) => ({ experiment_id: r.experiment_id, dimension: r.dimension, value: r.value, variant_id: r.variant_id, persons: Number(r.persons) }),
      ),
    };
  } finally {
    await client.end();
  }
}

interface FigureRow {
  metric_id: string | null;
  persons_converted: string;
  event_count: string;
  sum: string;
  sum_squares: string;
}

/** Sorted rows (one per group and metric; metric_id NULL when no metric applies) → one object per group with its metrics. */
function groupRows<R extends FigureRow, G>(rows: R[], key: (row: R) => string, head: (row: R) => G): Array<G & { metrics: ExpectedMetricFigures[] }> {
  const groups = new Map<string, G & { metrics: ExpectedMetricFigures[] }>();
  for (const row of rows) {
    const k = key(row);
    let group = groups.get(k);
    if (!group) {
      group = { ...head(row), metrics: [] };
      groups.set(k, group);
    }
    if (row.metric_id !== null) {
      group.metrics.push({
        metric_id: row.metric_id,
        persons_converted: Number(row.persons_converted),
        event_count: Number(row.event_count),
        sum: Number(row.sum),
        sum_squares: Number(row.sum_squares),
      });
    }
  }
  return [...groups.values()];
}

import { apiSchemas } from '@abtest/results-contract';
import { z } from 'zod';

const COMPONENTS = [
  apiSchemas.experimentListSchema,
  apiSchemas.experimentDetailSchema,
  apiSchemas.errorSchema,
] as const;

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (id: string, description: string) => ({ description, content: { 'application/json': { schema: ref(id) } } });

/** The components generated from the API's zod schemas: one per `meta({ id })`, referring to each other. */
function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  const add = (schema: z.ZodType) => {
    const id = z.globalRegistry.get(schema)?.id;
    if (typeof id === 'string' && !registry.has(schema)) registry.add(schema, { id });
  };
  for (const schema of COMPONENTS) add(schema);
  for (const schema of Object.values(apiSchemas)) add(schema);
  const { schemas } = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _schema, $id: _id, ...schema }]) => [id, schema]));
}

/** `GET /openapi.json`: OpenAPI 3.1 (its schemas are JSON Schema 2020-12, which zod emits). */
export function openApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Experiment results API',
      version,
      description:
        'Live results of A/B experiments as read from the results topic (and its breakdown and series topics): the newest record per experiment. The same data drives the dashboard at `/`. Rates are fractions (0.12 = 12%); times are epoch milliseconds.',
    },
    paths: {
      '/api/experiments': {
        get: { operationId: 'listExperiments', summary: 'Every experiment with status, age, persons and headline metric, most recently updated first', responses: { '200': json('ExperimentList', 'The experiments') } },
      },
      '/api/experiments/{experimentId}': {
        get: {
          operationId: 'getExperiment',
          summary: 'One experiment: variants, metrics, statistics, breakdowns and series',
          parameters: [
            { name: 'experimentId', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'metric', in: 'query', required: false, schema: { type: 'string' }, description: 'Metric of the series and breakdowns; default: the headline metric' },
          ],
          responses: { '200': json('ExperimentDetail', 'The experiment'), '404': json('Error', 'No results record for this experiment') },
        },
      },
      '/api/events': {
        get: {
          operationId: 'streamUpdates',
          summary: 'Server-sent events: `results` (data: {experiment_id, summary: ExperimentSummary}), `breakdown`, `series`, `deleted` (data: {experiment_id})',
          responses: { '200': { description: 'An event stream that stays open', content: { 'text/event-stream': { schema: { type: 'string' } } } } },
        },
      },
      '/healthz': { get: { operationId: 'health', summary: 'The process is alive', responses: { '200': { description: 'alive' } } } },
      '/readyz': { get: { operationId: 'readiness', summary: 'Ready once the topics were read up to their end at start-up and Redis answers', responses: { '200': { description: 'ready' }, '503': { description: 'not ready; the body names each check' } } } },
      '/metrics': { get: { operationId: 'metrics', summary: 'Prometheus metrics', responses: { '200': { description: 'text format' } } } },
    },
    components: { schemas: componentSchemas() },
  };
}

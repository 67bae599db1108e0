import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type ErrorRequestHandler, type RequestHandler, type Router } from 'express';
import { DefinitionError, type DefinitionKind, type DefinitionsCatalog, type DefinitionsWriter } from '@abtest/definitions';
import { KafkaIoError } from '@abtest/kafka-io';
import { errorBody } from '@abtest/observability';
import { KafkaJSError } from 'kafkajs';
import { ProcessorConfigError } from './config';

/** A definition is a few hundred bytes; anything near this is a mistake. */
export const ADMIN_BODY_LIMIT = '64kb';
/** Seconds a client should wait before retrying a write Kafka could not take. */
const KAFKA_RETRY_AFTER_SECONDS = 5;

export interface DefinitionsAdminOptions {
  writer: Pick<DefinitionsWriter, 'putExperiment' | 'putMetric' | 'deleteExperiment' | 'deleteMetric'>;
  catalog: Pick<DefinitionsCatalog, 'experiments' | 'metrics'>;
  /** The Bearer token every admin request must carry. */
  token: string;
}

/**
 * The definitions admin API under `/admin`, behind a Bearer token:
 * `PUT`/`DELETE /admin/experiments/:id` and `/admin/metrics/:id` write to
 * the definitions topic; `GET /admin/definitions` answers from the catalog,
 * which follows the topic (so a write shows there once read back, usually
 * within milliseconds). 400 for an invalid definition, 503 when Kafka did
 * not take the write (retrying the same request is safe).
 */
export function definitionsAdminRouter(options: DefinitionsAdminOptions): Router {
  const { writer, catalog } = options;
  const admin = express.Router();
  admin.use(bearerAuth(options.token));
  admin.use(express.json({ limit: ADMIN_BODY_LIMIT }));

  admin.put('/experiments/:id', async (req, res) => {
    res.json(await writer.putExperiment(withPathId('experiment', req.params.id, jsonBody(req))));
  });
  admin.put('/metrics/:id', async (req, res) => {
    res.json(await writer.putMetric(withPathId('metric', req.params.id, jsonBody(req))));
  });
  admin.delete('/experiments/:id', async (req, res) => {
    await writer.deleteExperiment(req.params.id);
    res.status(204).end();
  });
  admin.delete('/metrics/:id', async (req, res) => {
    await writer.deleteMetric(req.params.id);
    res.status(204).end();
  });
  admin.get('/definitions', (_req, res) => {
    res.json({ experiments: catalog.experiments(), metrics: catalog.metrics() });
  });
  admin.use(adminErrors);

  const router = express.Router();
  router.use('/admin', admin);
  return router;
}

/** 401 unless `Authorization: Bearer <token>` carries the token; compared in constant time. */
function bearerAuth(token: string): RequestHandler {
  if (token.length === 0) throw new ProcessorConfigError('ADMIN_TOKEN: must not be empty (unset it to serve no admin API)');
  const expected = digest(token);
  return (req, res, next) => {
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '')?.[1];
    // Digests have one length, so timingSafeEqual neither throws nor leaks the token's length.
    if (presented !== undefined && timingSafeEqual(digest(presented), expected)) {
      next();
      return;
    }
    res
      .status(401)
      .set('WWW-Authenticate', presented === undefined ? 'Bearer' : 'Bearer error="invalid_token"')
      .json(errorBody('unauthorized', presented === undefined ? 'send Authorization: Bearer <admin token>' : 'the Bearer token is not the admin token'));
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** The parsed JSON body; a request without a JSON content type is refused rather than read as empty. */
function jsonBody(req: express.Request): unknown {
  if (!req.is('application/json')) throw new UnsupportedMediaTypeError();
  return req.body;
}

/** The body with the path's id filled in when absent; a different id is an invalid definition. */
function withPathId(kind: DefinitionKind, id: string, body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  if (!('id' in body) || body.id === undefined) return { ...body, id };
  if (body.id !== id) throw new DefinitionError(`invalid ${kind} definition`, [{ path: 'id', message: `${JSON.stringify(body.id)} must equal the id in the path ("${id}")` }]);
  return body;
}

class UnsupportedMediaTypeError extends Error {
  override readonly name = 'UnsupportedMediaTypeError';
  constructor() {
    super('the body must be JSON (Content-Type: application/json)');
  }
}

/** body-parser's errors carry the answer's status and a type. */
function bodyParserError(error: unknown): { status: number; type: string } | undefined {
  if (!(error instanceof Error) || !('status' in error) || !('type' in error)) return undefined;
  return typeof error.status === 'number' && typeof error.type === 'string' ? { status: error.status, type: error.type } : undefined;
}

const adminErrors: ErrorRequestHandler = (error, _req, res, next) => {
  if (error instanceof DefinitionError) {
    res.status(400).json(errorBody('invalid_definition', error.message, { issues: error.issues }));
    return;
  }
  if (error instanceof UnsupportedMediaTypeError) {
    res.status(415).json(errorBody('unsupported_media_type', error.message));
    return;
  }
  if (error instanceof KafkaIoError || error instanceof KafkaJSError) {
    res.status(503).set('Retry-After', String(KAFKA_RETRY_AFTER_SECONDS)).json(errorBody('kafka_unavailable', `the definition was not written: ${error.message}`));
    return;
  }
  const parserError = bodyParserError(error);
  if (parserError?.type === 'entity.too.large') {
    res.status(413).json(errorBody('payload_too_large', `the body exceeds ${ADMIN_BODY_LIMIT}`));
    return;
  }
  if (parserError?.type === 'entity.parse.failed') {
    res.status(400).json(errorBody('invalid_json', `the body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`));
    return;
  }
  next(error);
};

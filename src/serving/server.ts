import Fastify, { type FastifyInstance } from 'fastify';
import type { EnsembleModel } from './ensemble-model.js';
import { ConfigError, DataError } from '../util/errors.js';
import { libraryVersion } from '../util/version.js';

export interface ServerOptions {
  /** Largest request body in bytes (default 10 MiB); larger requests get 413. */
  readonly bodyLimit?: number;
  /** Most rows in one /predict request (default 10,000); more get 413. */
  readonly maxRows?: number;
  /** Log requests (default false). */
  readonly logger?: boolean;
}

interface PredictBody {
  readonly rows: readonly Record<string, unknown>[];
}

/**
 * The HTTP face of a fitted ensemble (API and examples: docs/bundle-format.md).
 * - `POST /predict` `{ "rows": [{feature: value, ...}, ...] }` -> `{ "predictions": [...], "probabilities": [{class: p}] }`
 *   (`probabilities` for classification only), rows in request order. Input rules are the EnsembleModel's.
 * - `GET /health` -> `{ "status": "ok" }`; `GET /metadata` -> task, target, classes, feature schema, members.
 * Every error is JSON `{ "error": message }`: 400 for malformed JSON or invalid input (the message names the row and
 * column), 404 for unknown routes, 413 for a body over `bodyLimit` or more than `maxRows` rows, 415 for a body that
 * is not JSON, 500 (without details) for anything unexpected.
 */
export function createServer(model: EnsembleModel, options: ServerOptions = {}): FastifyInstance {
  const maxRows = options.maxRows ?? 10_000;
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: options.bodyLimit ?? 10 * 1024 * 1024 });
  app.removeContentTypeParser('text/plain'); // JSON only: anything else is 415, not a string body

  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    const status = error instanceof DataError || error instanceof ConfigError ? 400 : error.statusCode ?? 500;
    if (status >= 500) app.log.error(error);
    void reply.status(status).send({ error: status >= 500 ? 'internal error' : error.message });
  });

  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: `no route ${request.method} ${request.url} (routes: POST /predict, GET /health, GET /metadata)` });
  });

  app.get('/health', async () => ({ status: 'ok' }));

  const metadata = {
    ...model.describe(),
    members: model.members.map((m) => ({ id: m.id, family: m.family, weight: m.weight, validationScore: m.validationScore, models: m.models.length })),
    deployment: model.deployment ?? { form: 'exact' },
    limits: { maxRows, bodyLimit: options.bodyLimit ?? 10 * 1024 * 1024 },
    libraryVersion: libraryVersion(),
  };
  app.get('/metadata', async () => metadata);

  app.post('/predict', async (request, reply) => {
    const rows = checkBody(request.body);
    if (rows.length > maxRows) return reply.status(413).send({ error: `too many rows: ${rows.length} (limit ${maxRows})` });
    const p = model.predictMatrix(rows);
    if (model.task === 'regression') return { predictions: Array.from(p) };
    return classificationResponse(p, model.classes, rows.length);
  });

  return app;
}

/**
 * The request body, checked by hand rather than by a route schema: Fastify's default validator coerces a single
 * object into a one-element array, which would accept `{ "rows": {...} }` silently.
 */
function checkBody(body: unknown): PredictBody['rows'] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new DataError('the body must be a JSON object { "rows": [ { feature: value, ... }, ... ] }');
  }
  const rows = (body as Partial<PredictBody>).rows;
  if (!Array.isArray(rows)) throw new DataError('"rows" must be an array of row objects');
  return rows;
}

function classificationResponse(p: Float64Array, classes: readonly string[], n: number): { predictions: string[]; probabilities: Record<string, number>[] } {
  const k = classes.length;
  const predictions = new Array<string>(n);
  const probabilities = new Array<Record<string, number>>(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    const row: Record<string, number> = {};
    for (let c = 0; c < k; c++) {
      const v = p[i * k + c]!;
      row[classes[c]!] = v;
      if (v > p[i * k + best]!) best = c;
    }
    predictions[i] = classes[best]!;
    probabilities[i] = row;
  }
  return { predictions, probabilities };
}

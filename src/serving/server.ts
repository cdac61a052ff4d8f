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

const predictBodySchema = {
  type: 'object',
  required: ['rows'],
  properties: {
    rows: { type: 'array', items: { type: 'object' } },
  },
} as const;

/**
 * The HTTP face of a fitted ensemble.
 * - `POST /predict` `{ "rows": [{feature: value, ...}, ...] }` -> `{ "predictions": [...], "probabilities": [{class: p}] }`
 *   (`probabilities` for classification only). Invalid input -> 400 with `{ "error": message }`.
 * - `GET /health` -> `{ "status": "ok" }`; `GET /metadata` -> task, target, classes, feature schema, members.
 */
export function createServer(model: EnsembleModel, options: ServerOptions = {}): FastifyInstance {
  const maxRows = options.maxRows ?? 10_000;
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: options.bodyLimit ?? 10 * 1024 * 1024 });

  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    const status = error instanceof DataError || error instanceof ConfigError ? 400 : error.statusCode ?? 500;
    void reply.status(status).send({ error: status >= 500 ? 'internal error' : error.message });
    if (status >= 500) app.log.error(error);
  });

  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/metadata', async () => ({
    task: model.task,
    target: model.targetName,
    classes: model.classes,
    features: model.schema,
    metric: model.metric,
    method: model.method,
    validationScore: model.validationScore,
    members: model.members.map((m) => ({ id: m.id, family: m.family, weight: m.weight, validationScore: m.validationScore })),
    libraryVersion: libraryVersion(),
  }));

  app.post<{ Body: { rows: Record<string, unknown>[] } }>('/predict', { schema: { body: predictBodySchema } }, async (request, reply) => {
    const rows = request.body.rows;
    if (rows.length > maxRows) {
      return reply.status(413).send({ error: `too many rows: ${rows.length} (limit ${maxRows})` });
    }
    const p = model.predictMatrix(rows);
    if (model.task === 'regression') return { predictions: Array.from(p) };
    const k = model.classes.length;
    const predictions: string[] = [];
    const probabilities: Record<string, number>[] = [];
    for (let i = 0; i < rows.length; i++) {
      let best = 0;
      const row: Record<string, number> = {};
      for (let c = 0; c < k; c++) {
        const v = p[i * k + c]!;
        row[model.classes[c]!] = v;
        if (v > p[i * k + best]!) best = c;
      }
      predictions.push(model.classes[best]!);
      probabilities.push(row);
    }
    return { predictions, probabilities };
  });

  return app;
}

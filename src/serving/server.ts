import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { EnsembleModel } from './ensemble-model.js';
import type { DetailedPredictions } from './uncertain-predictions.js';
import type { LogLevel } from './log-level.js';
import { PredictionQueue } from './prediction-queue.js';
import { ConfigError, DataError } from '../util/errors.js';
import { libraryVersion } from '../util/version.js';

export interface ServerOptions {
  /** Largest request body in bytes (default 10 MiB); larger requests get 413. */
  readonly bodyLimit?: number;
  /** Most rows in one /predict request (default 10,000); more get 413. */
  readonly maxRows?: number;
  /**
   * Request log level (default 'silent'; `true` is 'info'): one JSON line per request on stdout (fastify's logger,
   * pino): method, url, status, milliseconds, rows, and for 4xx / 5xx the reason. 2xx lines are 'info', 4xx
   * 'warn', 5xx 'error', so 'warn' logs only refused and failed requests.
   */
  readonly logger?: boolean | LogLevel;
  /** Where log lines go (default stdout). */
  readonly logStream?: { write(line: string): void };
  /** Milliseconds of prediction between two turns of the event loop for large batches (default 8). */
  readonly sliceMs?: number;
}

export { LOG_LEVELS, type LogLevel } from './log-level.js';

/** What the one log line of a request reports besides method, url, status and time. */
interface RequestNote {
  rows?: number;
  reason?: string;
}

interface PredictBody {
  readonly rows: readonly Record<string, unknown>[];
  /** Anything else is a predict option (interval, uncertainty, setMethod, normalized, calibrated). */
  readonly [option: string]: unknown;
}

/**
 * The HTTP face of a fitted ensemble (API and examples: docs/bundle-format.md).
 * - `POST /predict` `{ "rows": [{feature: value, ...}, ...] }` -> `{ "predictions": [...], "probabilities": [{class: p}] }`
 *   (`probabilities` for classification only), rows in request order. Input rules are the EnsembleModel's.
 *   Predict options ride along in the body (`"interval": 0.9`, `"uncertainty": true`, `"setMethod"`, `"normalized"`,
 *   `"calibrated"`) and add `intervals` ([{lower, upper}], regression), `sets` ([[class, ...]], classification) and
 *   `uncertainty` ([{total, aleatoric, epistemic}]); a bad option is a 400 naming it.
 * - `GET /health` -> `{ "status": "ok" }`; `GET /metadata` -> task, target, classes, feature schema, members.
 * Every error is JSON `{ "error": message }`: 400 for malformed JSON or invalid input (the message names the row and
 * column), 404 for unknown routes, 413 for a body over `bodyLimit` or more than `maxRows` rows, 415 for a body that
 * is not JSON, 500 (without details) for anything unexpected.
 * Large batches are predicted in slices between which the event loop serves other requests (./prediction-queue.ts),
 * so `/health` answers within milliseconds while big requests are in flight.
 */
export function createServer(model: EnsembleModel, options: ServerOptions = {}): FastifyInstance {
  const maxRows = options.maxRows ?? 10_000;
  const level = options.logger === true ? 'info' : options.logger === false || options.logger === undefined ? 'silent' : options.logger;
  const app = Fastify({
    logger: level === 'silent' ? false : { level, ...(options.logStream === undefined ? {} : { stream: options.logStream }) },
    logController: new LogController({ disableRequestLogging: true }), // one line per request: the onResponse hook below
    bodyLimit: options.bodyLimit ?? 10 * 1024 * 1024,
  });
  app.removeContentTypeParser('text/plain'); // JSON only: anything else is 415, not a string body
  const notes = new WeakMap<FastifyRequest, RequestNote>();
  const note = (request: FastifyRequest, value: RequestNote): void => void notes.set(request, { ...notes.get(request), ...value });
  const refuse = (request: FastifyRequest, reply: FastifyReply, status: number, message: string): FastifyReply => {
    note(request, { reason: message });
    return reply.status(status).send({ error: message });
  };

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error instanceof DataError || error instanceof ConfigError ? 400 : error.statusCode ?? 500;
    if (status >= 500) request.log.error(error);
    void refuse(request, reply, status, status >= 500 ? 'internal error' : error.message);
  });

  app.setNotFoundHandler((request, reply) => {
    void refuse(request, reply, 404, `no route ${request.method} ${request.url} (routes: POST /predict, GET /health, GET /metadata)`);
  });

  if (level !== 'silent') {
    app.addHook('onResponse', (request, reply, done) => {
      const status = reply.statusCode;
      const { rows, reason } = notes.get(request) ?? {};
      const line = {
        method: request.method,
        url: request.url,
        status,
        ms: Math.round(reply.elapsedTime * 1000) / 1000,
        ...(rows === undefined ? {} : { rows }),
        ...(reason === undefined ? {} : { reason }),
      };
      if (status >= 500) request.log.error(line, 'request failed');
      else if (status >= 400) request.log.warn(line, 'request refused');
      else request.log.info(line, 'request');
      done();
    });
  }

  app.get('/health', async () => ({ status: 'ok' }));

  const calibration = model.calibration;
  const metadata = {
    ...model.describe(),
    uncertainty: calibration === undefined
      ? { calibrated: false }
      : {
          calibrated: true,
          folds: calibration.nFolds,
          calibrationRows: (calibration.regression?.absolute ?? calibration.classification!.lac).n,
          ...(calibration.classification === undefined ? {} : { temperature: calibration.classification.temperature }),
        },
    members: model.members.map((m) => ({ id: m.id, family: m.family, weight: m.weight, validationScore: m.validationScore, models: m.models.length })),
    deployment: model.deployment ?? { form: 'exact' },
    limits: { maxRows, bodyLimit: options.bodyLimit ?? 10 * 1024 * 1024 },
    libraryVersion: libraryVersion(),
  };
  app.get('/metadata', async () => metadata);

  const queue = new PredictionQueue((table) => model.predictMatrix(table), model.nOutputs, options.sliceMs === undefined ? {} : { sliceMs: options.sliceMs });
  app.post('/predict', async (request, reply) => {
    const { rows, options } = checkBody(request.body);
    note(request, { rows: rows.length });
    if (rows.length > maxRows) return refuse(request, reply, 413, `too many rows: ${rows.length} (limit ${maxRows})`);
    if (options === undefined) {
      // The whole batch is checked and converted first (a column absent from every row is an error of the batch).
      const p = await queue.run(model.featureTable(rows));
      return reply.type('application/json').send(model.task === 'regression' ? regressionJson(p) : classificationJson(p, model.classes, rows.length));
    }
    // With uncertainty options: one call, not sliced (the split and the intervals need every member at once).
    const detailed = model.predictDetailed(rows, options);
    const base = model.task === 'regression'
      ? { predictions: Array.from(detailed.predictions) }
      : (JSON.parse(classificationJson(detailed.predictions, model.classes, rows.length)) as Record<string, unknown>);
    return { ...base, ...uncertaintyResponse(detailed, model.classes) };
  });

  return app;
}

/**
 * The request body, checked by hand rather than by a route schema: Fastify's default validator coerces a single
 * object into a one-element array, which would accept `{ "rows": {...} }` silently.
 */
function checkBody(body: unknown): { rows: PredictBody['rows']; options?: Record<string, unknown> } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new DataError('the body must be a JSON object { "rows": [ { feature: value, ... }, ... ] }');
  }
  const { rows, ...options } = body as Partial<PredictBody>;
  if (!Array.isArray(rows)) throw new DataError('"rows" must be an array of row objects');
  return Object.keys(options).length === 0 ? { rows } : { rows, options };
}

/** The interval / set / uncertainty fields of a response, per row. Unbounded never happens: levels are checked. */
function uncertaintyResponse(d: DetailedPredictions, classes: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const n = d.predictions.length / Math.max(classes.length, 1);
  if (d.interval !== undefined) out.intervals = Array.from(d.interval.lower, (lower, i) => ({ lower, upper: d.interval!.upper[i]! }));
  if (d.sets !== undefined) {
    const k = classes.length;
    out.sets = Array.from({ length: n }, (_, i) => classes.filter((_, c) => d.sets!.members[i * k + c] === 1));
  }
  if (d.uncertainty !== undefined) {
    const u = d.uncertainty;
    out.uncertainty = Array.from(u.total, (total, i) => ({ total, aleatoric: u.aleatoric[i]!, epistemic: u.epistemic[i]! }));
  }
  return out;
}

/**
 * The response body as JSON text, written directly: `{ "predictions": [...], "probabilities": [{ class: p }] }`,
 * classes in model order (argmax ties to the first class). About twice as fast as building the objects and
 * stringifying them, which mattered for 1,000-row batches; numbers print as JSON.stringify prints them.
 */
export function classificationJson(p: Float64Array, classes: readonly string[], n: number): string {
  const k = classes.length;
  const keys = classes.map((c) => `${JSON.stringify(c)}:`);
  const labels = classes.map((c) => JSON.stringify(c));
  const predictions = new Array<string>(n);
  const probabilities = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let row = '{';
    for (let c = 0; c < k; c++) {
      const v = p[i * k + c]!;
      row += (c === 0 ? '' : ',') + keys[c]! + jsonNumber(v);
      if (v > p[i * k + best]!) best = c;
    }
    predictions[i] = labels[best]!;
    probabilities[i] = `${row}}`;
  }
  return `{"predictions":[${predictions.join(',')}],"probabilities":[${probabilities.join(',')}]}`;
}

export function regressionJson(p: Float64Array): string {
  return `{"predictions":[${Array.from(p, jsonNumber).join(',')}]}`;
}

/** A number as JSON.stringify writes it (null for NaN and infinities). */
function jsonNumber(v: number): string {
  return Number.isFinite(v) ? String(v) : 'null';
}

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Dataset } from '../../src/data/dataset.js';
import type { EnsembleModel } from '../../src/serving/ensemble-model.js';
import { createServer } from '../../src/serving/server.js';
import { directEnsemble, loadShared, rowsOf } from '../export/helpers.js';

let credit: Dataset;
let cpu: Dataset;
let classifier: EnsembleModel;
let regressor: EnsembleModel;
let classifierServer: FastifyInstance;
let regressorServer: FastifyInstance;
let classifierUrl: string;
let regressorUrl: string;

before(async () => {
  credit = loadShared('credit-g');
  cpu = loadShared('cpu');
  classifier = await directEnsemble(credit, [{ family: 'gbdt', config: { n_estimators: 10 } }, { family: 'linear' }]);
  regressor = await directEnsemble(cpu, [{ family: 'linear' }, { family: 'random_forest', config: { n_estimators: 5 } }]);
  classifierServer = createServer(classifier, { maxRows: 500, bodyLimit: 256 * 1024 });
  regressorServer = createServer(regressor);
  classifierUrl = await classifierServer.listen({ host: '127.0.0.1', port: 0 });
  regressorUrl = await regressorServer.listen({ host: '127.0.0.1', port: 0 });
});

after(async () => {
  await classifierServer.close();
  await regressorServer.close();
});

async function post(url: string, body: string, contentType = 'application/json'): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': contentType }, body });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

test('POST /predict classifies rows: labels and class probabilities equal to the in-process model', async () => {
  const rows = rowsOf(credit, 25);
  const { status, json } = await post(classifierUrl, JSON.stringify({ rows }));
  assert.equal(status, 200);
  assert.deepEqual(json.predictions, classifier.predict(rows));
  const expected = classifier.predictProba(rows);
  assert.deepEqual(json.probabilities, expected, 'JSON numbers round-trip exactly');
  assert.deepEqual(Object.keys((json.probabilities as object[])[0]!), ['good', 'bad']);
});

test('POST /predict on a regressor returns values only', async () => {
  const rows = rowsOf(cpu, 12);
  const { status, json } = await post(regressorUrl, JSON.stringify({ rows }));
  assert.equal(status, 200);
  assert.deepEqual(json.predictions, Array.from(regressor.predictMatrix(rows)));
  assert.equal(json.probabilities, undefined);
});

test('GET /health and GET /metadata describe the model', async () => {
  const health = await fetch(`${classifierUrl}/health`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok' });
  const metadata = (await (await fetch(`${classifierUrl}/metadata`)).json()) as Record<string, unknown>;
  assert.equal(metadata.task, 'binary');
  assert.equal(metadata.target, 'class');
  assert.deepEqual(metadata.classes, ['good', 'bad']);
  assert.deepEqual(metadata.features, classifier.schema);
  assert.equal((metadata.members as unknown[]).length, 2);
  assert.deepEqual(metadata.limits, { maxRows: 500, bodyLimit: 256 * 1024 });
  const regression = (await (await fetch(`${regressorUrl}/metadata`)).json()) as Record<string, unknown>;
  assert.equal(regression.task, 'regression');
  assert.deepEqual(regression.classes, []);
});

test('bad requests get 400 with a message: malformed JSON, no rows array, wrong types, missing columns', async () => {
  const malformed = await post(classifierUrl, '{"rows": [ {"age": 3 ');
  assert.equal(malformed.status, 400);
  assert.equal(typeof malformed.json.error, 'string');

  for (const body of ['{"rows": {"age": 30}}', '{"rows": "all"}', '{"data": []}', '[]', '42']) {
    const r = await post(classifierUrl, body);
    assert.equal(r.status, 400, body);
    assert.match(String(r.json.error), /rows|object/, body);
  }

  const rows = rowsOf(credit, 3);
  rows[2]!.credit_amount = 'a lot';
  const wrongType = await post(classifierUrl, JSON.stringify({ rows }));
  assert.equal(wrongType.status, 400);
  assert.match(String(wrongType.json.error), /row 2.*'credit_amount'/);

  const noAge = rowsOf(credit, 2).map(({ age: _age, ...rest }) => rest);
  const missing = await post(classifierUrl, JSON.stringify({ rows: noAge }));
  assert.equal(missing.status, 400);
  assert.match(String(missing.json.error), /missing feature column 'age'/);

  const notObject = await post(classifierUrl, JSON.stringify({ rows: [rowsOf(credit, 1)[0], 'row'] }));
  assert.equal(notObject.status, 400);
  assert.match(String(notObject.json.error), /row 1/);

  const text = await post(classifierUrl, 'age=3', 'text/plain');
  assert.equal(text.status, 415);
});

test('too many rows or a body over the limit get 413; unknown routes 404', async () => {
  const many = rowsOf(credit, 501).map((r) => ({ age: r.age }));
  const tooMany = await post(classifierUrl, JSON.stringify({ rows: many }));
  assert.equal(tooMany.status, 413);
  assert.match(String(tooMany.json.error), /too many rows: 501 \(limit 500\)/);

  const huge = JSON.stringify({ rows: rowsOf(credit, 400), padding: 'x'.repeat(300 * 1024) });
  const tooLarge = await post(classifierUrl, huge);
  assert.equal(tooLarge.status, 413);

  const unknown = await fetch(`${classifierUrl}/predictions`);
  assert.equal(unknown.status, 404);
  assert.match(String(((await unknown.json()) as { error: string }).error), /no route GET \/predictions/);
  const wrongMethod = await fetch(`${classifierUrl}/predict`);
  assert.equal(wrongMethod.status, 404);
});

test('the server keeps serving after bad requests', async () => {
  await post(classifierUrl, '{');
  const { status, json } = await post(classifierUrl, JSON.stringify({ rows: rowsOf(credit, 1) }));
  assert.equal(status, 200);
  assert.equal((json.predictions as string[]).length, 1);
});

test('the response JSON written by hand parses to the objects JSON.stringify would write', async () => {
  const { classificationJson, regressionJson } = await import('../../src/serving/server.js');
  const classes = ['good', 'bad "quoted"', 'é'];
  const p = Float64Array.from([0.1, 0.6, 0.3, 1 / 3, 1 / 3, 1 / 3, 0, 1e-300, 1 - 1e-16]);
  const expected = {
    predictions: ['bad "quoted"', 'good', 'é'],
    probabilities: [0, 1, 2].map((i) => Object.fromEntries(classes.map((c, j) => [c, p[i * 3 + j]!]))),
  };
  assert.equal(classificationJson(p, classes, 3), JSON.stringify(expected));
  const values = Float64Array.from([1.5, -0, 1e21, NaN]);
  assert.equal(regressionJson(values), JSON.stringify({ predictions: Array.from(values) }));
});

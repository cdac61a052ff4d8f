/**
 * The prediction queue (src/serving/prediction-queue.ts) and what the server gets from it: large batches in slices,
 * round robin, bit-identical to one call; /health answered while a big batch is in flight; one log line per request.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Dataset, FeatureTable } from '../../src/data/dataset.js';
import type { EnsembleModel } from '../../src/serving/ensemble-model.js';
import { PredictionQueue, sliceRows } from '../../src/serving/prediction-queue.js';
import { createServer } from '../../src/serving/server.js';
import { assertBitIdentical, directEnsemble, loadShared, rowsOf } from '../export/helpers.js';

let credit: Dataset;
let model: EnsembleModel;

before(async () => {
  credit = loadShared('credit-g');
  model = await directEnsemble(credit, [{ family: 'gbdt', config: { n_estimators: 10 } }, { family: 'linear' }]);
});

/** A queue whose clock says every row costs `msPerRow`, and whose deferred tasks run when the test says so. */
function manualQueue(msPerRow: number, sliceMs: number, log: string[]) {
  let clock = 0;
  const tasks: (() => void)[] = [];
  const queue = new PredictionQueue(
    (table: FeatureTable) => {
      log.push(`predict ${table.nRows}`);
      clock += msPerRow * table.nRows;
      return model.predictMatrix(table);
    },
    model.nOutputs,
    { sliceMs, initialSliceRows: 100, now: () => clock, defer: (task) => tasks.push(task) },
  );
  const turn = (): boolean => {
    const task = tasks.shift();
    task?.();
    return task !== undefined;
  };
  return { queue, turn };
}

test('a batch that fits one slice is predicted at once; larger ones slice by slice, bit-identical to one call', async () => {
  const log: string[] = [];
  const { queue, turn } = manualQueue(0.05, 10, log);
  const small = await queue.run(sliceRows(credit, 0, 50));
  assert.deepEqual(log, ['predict 50'], 'no deferred turn for a small batch');
  assertBitIdentical(small, model.predictMatrix(sliceRows(credit, 0, 50)), 'small batch');
  assert.equal(queue.sliceRows, 200, '10 ms per slice at 0.05 ms per row');

  const pending = queue.run(credit); // 1,000 rows: 5 slices of 200
  assert.equal(queue.pending, 1);
  while (turn());
  assertBitIdentical(await pending, model.predictMatrix(credit), 'sliced batch');
  assert.deepEqual(log.slice(1), ['predict 200', 'predict 200', 'predict 200', 'predict 200', 'predict 200']);
});

test('slices of waiting batches take turns (round robin), one per event-loop turn', async () => {
  const log: string[] = [];
  const { queue, turn } = manualQueue(0.1, 10, log);
  await queue.run(sliceRows(credit, 0, 20)); // measures the cost: 100 rows per slice from here on
  log.length = 0;
  const a = queue.run(sliceRows(credit, 0, 300));
  const b = queue.run(sliceRows(credit, 300, 450));
  const order: string[] = [];
  void a.then(() => order.push('a'));
  void b.then(() => order.push('b'));
  assert.ok(turn());
  assert.deepEqual(log, ['predict 100'], 'one slice per turn');
  while (turn()) await Promise.resolve();
  await Promise.all([a, b]);
  assert.deepEqual(log, ['predict 100', 'predict 100', 'predict 100', 'predict 50', 'predict 100']);
  assert.deepEqual(order, ['b', 'a'], 'the shorter batch finishes first');
  assertBitIdentical(await a, model.predictMatrix(sliceRows(credit, 0, 300)), 'a');
});

test('a failing slice rejects its own batch only', async () => {
  let calls = 0;
  const queue = new PredictionQueue(
    (table) => {
      if (++calls === 2) throw new Error('boom');
      return new Float64Array(table.nRows * 2);
    },
    2,
    { initialSliceRows: 10, defer: (task) => void setImmediate(task) },
  );
  const failing = queue.run(sliceRows(credit, 0, 30));
  await assert.rejects(failing, /boom/);
  assert.equal((await queue.run(sliceRows(credit, 0, 30))).length, 60);
});

test('the server answers /health while a 10,000-row batch is being predicted', async () => {
  const app = createServer(model, { sliceMs: 1 });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const rows = rowsOf(credit);
    const body = JSON.stringify({ rows: Array.from({ length: 10 }, () => rows).flat() });
    const finished: string[] = [];
    const big = fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(async (r) => {
      finished.push('predict');
      return (await r.json()) as { predictions: string[] };
    });
    // Ask for /health once the batch is being predicted (its body parsed and sliced).
    while (finished.length === 0) {
      const health = await fetch(`${url}/health`);
      assert.equal(health.status, 200);
      finished.push('health');
      if (finished.filter((f) => f === 'health').length >= 3) break;
    }
    const result = await big;
    assert.equal(result.predictions.length, 10_000);
    assert.equal(finished[0], 'health', `order: ${finished.join(', ')}`);
  } finally {
    await app.close();
  }
});

test('one JSON log line per request: status, time and rows; 4xx at warn with the reason', async () => {
  const lines: string[] = [];
  const app = createServer(model, { logger: 'info', logStream: { write: (line) => void lines.push(line) }, maxRows: 5 });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const post = (body: unknown): Promise<Response> =>
      fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await post({ rows: rowsOf(credit, 2) })).status, 200);
    assert.equal((await post({ rows: [{ age: 'old' }] })).status, 400);
    assert.equal((await post({ rows: rowsOf(credit, 6) })).status, 413);
    assert.equal((await fetch(`${url}/nope`)).status, 404);
  } finally {
    await app.close();
  }
  const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.status !== undefined);
  assert.equal(entries.length, 4, lines.join(''));
  const [ok, bad, big, missing] = entries as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
  assert.deepEqual([ok.method, ok.url, ok.status, ok.rows, ok.level], ['POST', '/predict', 200, 2, 30]);
  assert.ok(typeof ok.ms === 'number' && ok.reason === undefined);
  assert.deepEqual([bad.status, bad.level], [400, 40]);
  assert.match(String(bad.reason), /missing feature column 'checking_status'/);
  assert.deepEqual([big.status, big.rows, big.reason], [413, 6, 'too many rows: 6 (limit 5)']);
  assert.deepEqual([missing.status, missing.url], [404, '/nope']);
  assert.match(String(missing.reason), /no route GET \/nope/);
});

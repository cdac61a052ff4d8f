import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transformLosses } from '../../src/search/bo.js';
import { descendingRanks, expectedImprovement, fitForestSurrogate, normalCdf } from '../../src/search/surrogate.js';
import { toTreeMatrix } from '../../src/search/encode.js';

test('expected improvement: closed form, zero without improvement or spread, grows with spread', () => {
  const ei = expectedImprovement({ mean: Float64Array.from([1, 1, 2, 0.5]), variance: Float64Array.from([1, 4, 0, 0]) }, 1);
  assert.ok(Math.abs(ei[0]! - 1 / Math.sqrt(2 * Math.PI)) < 1e-9);
  assert.ok(Math.abs(ei[1]! - 2 / Math.sqrt(2 * Math.PI)) < 1e-9);
  assert.equal(ei[2], 0);
  assert.equal(ei[3], 0.5);
  assert.ok(Math.abs(normalCdf(1.959964) - 0.975) < 1e-6);
  assert.ok(Math.abs(normalCdf(-3) - 0.0013499) < 1e-6);
});

test('ranks put the highest score first and share ties', () => {
  assert.deepEqual(Array.from(descendingRanks(Float64Array.from([0.1, 0.5, 0.5, 0.9]))), [4, 2.5, 2.5, 1]);
});

test('the log loss transform keeps the order and maps the best to the lowest value', () => {
  const y = Float64Array.from([3, 1, 2, 101]);
  const best = transformLosses(y, 'log');
  assert.equal(best, Math.min(...y));
  assert.ok(y[1]! < y[2]! && y[2]! < y[0]! && y[0]! < y[3]!);
  const raw = Float64Array.from([3, 1]);
  assert.equal(transformLosses(raw, 'none'), 1);
  assert.deepEqual(Array.from(raw), [3, 1]);
});

test('the forest surrogate learns a 1-d function with non-negative variances', () => {
  const n = 40;
  const x = Float64Array.from({ length: n }, (_, i) => (i / (n - 1)) * 0.5); // data only on [0, 0.5]
  const y = x.map((v) => (v - 0.25) ** 2);
  const model = fitForestSurrogate(toTreeMatrix([x], ['x']), y, 3);
  const q = model.predict(toTreeMatrix([Float64Array.from([0.25, 0.0])], ['x']));
  assert.ok(q.mean[0]! < q.mean[1]!, `${q.mean[0]} vs ${q.mean[1]}`);
  assert.ok(q.variance.every((v) => v >= 0));
});

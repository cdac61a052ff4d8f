/** The latency measurement fit reports (src/serving/serving-cost.ts), on a stand-in model that records its calls. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FeatureTable } from '../../src/data/dataset.js';
import type { EnsembleModel } from '../../src/serving/ensemble-model.js';
import { measureServingCost, tableToRows } from '../../src/serving/serving-cost.js';

const table: FeatureTable = {
  nRows: 3,
  features: [
    { name: 'x', kind: 'numeric', values: Float64Array.from([1.5, NaN, -2]) },
    { name: 'color', kind: 'categorical', codes: Int32Array.from([1, 0, -1]), categories: ['red', 'blue'] },
  ],
};

test('tableToRows: row objects with numbers, category names and null for missing; cycles past the end', () => {
  assert.deepEqual(tableToRows(table), [
    { x: 1.5, color: 'blue' },
    { x: null, color: 'red' },
    { x: -2, color: null },
  ]);
  const cycled = tableToRows(table, 7);
  assert.equal(cycled.length, 7);
  assert.deepEqual(cycled[6], cycled[0]);
});

test('measureServingCost: one warm-up then timed calls of 1 row and of a 1,000-row batch; medians', () => {
  const calls: number[] = [];
  const model = {
    predictMatrix(rows: readonly Record<string, unknown>[]) {
      calls.push(rows.length);
      const until = performance.now() + (rows.length === 1 ? 0.2 : 2);
      while (performance.now() < until) {
        // busy wait: a predictable cost
      }
      return new Float64Array(rows.length);
    },
  } as unknown as EnsembleModel;
  const cost = measureServingCost(model, table, { singleRepetitions: 5, batchRepetitions: 3 });
  assert.deepEqual(calls, [1, 1, 1, 1, 1, 1, 1000, 1000, 1000, 1000]);
  assert.equal(cost.batchRows, 1000);
  assert.ok(cost.singleRowMs >= 0.2 && cost.singleRowMs < 50, String(cost.singleRowMs));
  assert.ok(cost.batchMs >= 2 && cost.batchMs < 200, String(cost.batchMs));
  assert.ok(Math.abs(cost.rowsPerSecond - 1000 / (cost.batchMs / 1000)) < 1e-6);
  assert.throws(() => measureServingCost(model, { nRows: 0, features: [] }), /at least one sample row/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binMatrix, binValue, fitBinMapper, MISSING_BIN, rawThreshold } from '../../../src/models/trees/binning.js';
import type { TreeMatrix } from '../../../src/preprocess/types.js';
import { Rng } from '../../../src/util/random.js';

function matrix(columns: Float64Array[], isCategorical: boolean[] = columns.map(() => false), cards: number[] = columns.map(() => 0)): TreeMatrix {
  return { nRows: columns[0]!.length, columns, isCategorical, cardinalities: cards, names: columns.map((_, i) => `f${i}`) };
}

test('few distinct values: one bin each, edges at midpoints, NaN to the missing bin', () => {
  const X = matrix([Float64Array.from([3, 1, 2, 1, NaN, 3])]);
  const m = fitBinMapper(X);
  assert.deepEqual([...m.edges[0]!], [1.5, 2.5]);
  assert.equal(m.nBins[0], 3);
  assert.deepEqual([...binMatrix(m, X)], [2, 0, 1, 0, MISSING_BIN, 2]);
  // Values between or beyond the training values.
  assert.equal(binValue(m, 0, 1.5), 0);
  assert.equal(binValue(m, 0, 1.6), 1);
  assert.equal(binValue(m, 0, -100), 0);
  assert.equal(binValue(m, 0, 100), 2);
});

test('many distinct values: at most 255 quantile bins of roughly equal size', () => {
  const rng = new Rng(3);
  const n = 20000;
  const col = new Float64Array(n);
  for (let i = 0; i < n; i++) col[i] = Math.exp(rng.normal());
  const X = matrix([col]);
  const m = fitBinMapper(X);
  assert.ok(m.nBins[0]! <= 255 && m.nBins[0]! >= 250, `bins ${m.nBins[0]}`);
  const counts = new Int32Array(256);
  for (const b of binMatrix(m, X)) counts[b]++;
  for (let b = 0; b < m.nBins[0]!; b++) assert.ok(counts[b]! > n / 255 / 2 && counts[b]! < (n / 255) * 2, `bin ${b}: ${counts[b]}`);
  const m16 = fitBinMapper(X, 16);
  assert.equal(m16.nBins[0], 16);
});

test('"bin <= b" and "x <= rawThreshold(b)" agree for every value and bin', () => {
  const rng = new Rng(5);
  const col = new Float64Array(3000);
  for (let i = 0; i < col.length; i++) col[i] = Math.round(rng.normal() * 1000) / 10;
  const X = matrix([col]);
  const m = fitBinMapper(X, 64);
  for (let i = 0; i < col.length; i += 7) {
    const bx = binValue(m, 0, col[i]!);
    for (let b = 0; b < m.nBins[0]!; b++) assert.equal(bx <= b, col[i]! <= rawThreshold(m, 0, b));
  }
});

test('categorical codes are their own bins, capped at maxBins - 1', () => {
  const X = matrix([Float64Array.from([0, 5, 2, NaN, 9])], [true], [10]);
  const m = fitBinMapper(X, 6);
  assert.equal(m.nBins[0], 6);
  assert.deepEqual([...binMatrix(m, X)], [0, 5, 2, MISSING_BIN, 5]);
  assert.equal(rawThreshold(m, 0, 2), 2.5);
  assert.equal(rawThreshold(m, 0, 5), Infinity);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FeatureTable } from '../../src/data/dataset.js';
import { fitTreeEncoder, loadTreeEncoder } from '../../src/preprocess/tree-encoder.js';
import { DataError } from '../../src/util/errors.js';

const train: FeatureTable = {
  nRows: 4,
  features: [
    { name: 'age', kind: 'numeric', values: Float64Array.from([30, NaN, 41.5, -2]) },
    { name: 'color', kind: 'categorical', codes: Int32Array.from([0, 1, -1, 2]), categories: ['red', 'green', 'blue'] },
  ],
};

test('numeric columns pass through with NaN, categoricals become training codes', () => {
  const enc = fitTreeEncoder(train);
  const X = enc.transform(train);
  assert.equal(X.nRows, 4);
  assert.deepEqual([...X.columns[0]!], [30, NaN, 41.5, -2]);
  assert.deepEqual([...X.columns[1]!], [0, 1, NaN, 2]);
  assert.deepEqual(X.isCategorical, [false, true]);
  assert.deepEqual(X.cardinalities, [0, 3]);
  assert.deepEqual(X.names, ['age', 'color']);
});

test('columns are matched by name; other category lists are remapped; unseen -> NaN', () => {
  const enc = fitTreeEncoder(train);
  const other: FeatureTable = {
    nRows: 3,
    features: [
      { name: 'extra', kind: 'numeric', values: Float64Array.from([1, 2, 3]) },
      { name: 'color', kind: 'categorical', codes: Int32Array.from([0, 1, 2]), categories: ['blue', 'purple', 'red'] },
      { name: 'age', kind: 'numeric', values: Float64Array.from([5, 6, 7]) },
    ],
  };
  const X = enc.transform(other);
  assert.deepEqual([...X.columns[0]!], [5, 6, 7]);
  assert.deepEqual([...X.columns[1]!], [2, NaN, 0]);
});

test('a missing column is a DataError naming it; a kind change is an error too', () => {
  const enc = fitTreeEncoder(train);
  const missing: FeatureTable = { nRows: 1, features: [train.features[0]!] };
  assert.throws(() => enc.transform(missing), (e: unknown) => e instanceof DataError && /color/.test(e.message));
  const changed: FeatureTable = {
    nRows: 4,
    features: [train.features[0]!, { name: 'color', kind: 'numeric', values: new Float64Array(4) }],
  };
  assert.throws(() => enc.transform(changed), DataError);
});

test('JSON round trip transforms identically', () => {
  const enc = fitTreeEncoder(train);
  const reloaded = loadTreeEncoder(JSON.parse(JSON.stringify(enc.toJSON())));
  const a = enc.transform(train);
  const b = reloaded.transform(train);
  for (let f = 0; f < 2; f++) assert.deepEqual(new Uint8Array(b.columns[f]!.buffer), new Uint8Array(a.columns[f]!.buffer));
  assert.throws(() => loadTreeEncoder({ type: 'other' }), DataError);
});

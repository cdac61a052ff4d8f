import assert from 'node:assert/strict';
import { test } from 'node:test';
import { numericTreeMatrix, trainBoostedRegressor, trainForestRegressor, trainForest, trainBoosting } from '../../../src/models/trees/index.js';
import { predictRawInto, treeArraysFromBlobs, treeArraysToBlobs } from '../../../src/models/trees/predictor.js';
import { Rng } from '../../../src/util/random.js';

function curve(n: number, seed: number) {
  const rng = new Rng(seed);
  const x0 = new Float64Array(n);
  const x1 = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x0[i] = rng.uniform(-2, 2);
    x1[i] = rng.uniform(-2, 2);
    y[i] = x0[i]! * x0[i]! + 0.5 * x1[i]! + 0.05 * rng.normal();
  }
  return { X: numericTreeMatrix([x0, x1]), y };
}

function rmse(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s / a.length);
}

test('forest regressor (surrogate) fits a small curve; variance across trees is larger off the data', () => {
  const train = curve(120, 1);
  const test_ = curve(200, 2);
  const model = trainForestRegressor(train.X, train.y, { seed: 3, nTrees: 16 });
  const { mean, variance } = model.predictMeanVariance(test_.X);
  assert.ok(rmse(mean, test_.y) < 0.45, `rmse ${rmse(mean, test_.y)}`);
  assert.ok(variance.every((v) => v >= 0));
  assert.deepEqual(model.predict(test_.X), mean);
  // Far outside the training box in x1 only the extrapolation is uncertain; inside, trees agree more.
  const inside = variance.reduce((a, b) => a + b, 0) / variance.length;
  assert.ok(inside > 0);
  const again = trainForestRegressor(train.X, train.y, { seed: 3, nTrees: 16 }).predictMeanVariance(test_.X);
  assert.deepEqual(again.mean, mean);
  assert.deepEqual(again.variance, variance);
});

test('boosted regressor fits a small curve and beats the mean', () => {
  const train = curve(200, 4);
  const test_ = curve(200, 5);
  const model = trainBoostedRegressor(train.X, train.y, { seed: 1 });
  const pred = model.predict(test_.X);
  const meanOnly = new Float64Array(pred.length).fill(train.y.reduce((a, b) => a + b, 0) / train.y.length);
  assert.ok(rmse(pred, test_.y) < 0.35 * rmse(meanOnly, test_.y), `rmse ${rmse(pred, test_.y)}`);
});

test('leaf-wise growth respects num_leaves; depth-wise respects max_depth', () => {
  const { X, y } = curve(400, 6);
  const base = {
    loss: 'squared_error' as const, nClasses: 0, learningRate: 0.1, nRounds: 5, minChildWeight: 0, minSamplesLeaf: 1,
    lambda: 0, minSplitGain: 0, subsample: 1, colsample: 1, maxBins: 255, catSmooth: 10, earlyStopping: false,
    validationFraction: 0.1, patience: 5, seed: 1,
  };
  const leafwise = trainBoosting(X, y, { ...base, maxLeaves: 7, maxDepth: Infinity });
  const t = leafwise.trees;
  for (let tr = 0; tr < t.roots.length; tr++) {
    const end = tr + 1 < t.roots.length ? t.roots[tr + 1]! : t.feature.length;
    let leaves = 0;
    for (let i = t.roots[tr]!; i < end; i++) if (t.feature[i]! < 0) leaves++;
    assert.equal(leaves, 7);
  }
  const depthwise = trainBoosting(X, y, { ...base, maxLeaves: Infinity, maxDepth: 3 });
  const d = depthwise.trees;
  const depth = (node: number): number => (d.feature[node]! < 0 ? 0 : 1 + Math.max(depth(d.left[node]!), depth(d.right[node]!)));
  for (let tr = 0; tr < d.roots.length; tr++) assert.equal(depth(d.roots[tr]!), 3);
});

test('tree arrays survive a blob round trip bit for bit', () => {
  const { X, y } = curve(150, 7);
  const codes = Int32Array.from(y, (v) => (v > 1 ? 1 : 0));
  const { trees } = trainForest(X, codes, {
    nClasses: 2, nTrees: 5, maxFeatures: 1, criterion: 'entropy', maxDepth: Infinity, minSamplesLeaf: 1,
    minSamplesSplit: 2, bootstrap: true, maxSamples: 1, randomSplits: false, maxBins: 255, seed: 2,
  });
  const { header, blobs } = treeArraysToBlobs(trees);
  const reloaded = treeArraysFromBlobs(header, Object.fromEntries(Object.entries(blobs).map(([k, v]) => [k, Uint8Array.from(v)])));
  const a = new Float64Array(X.nRows * 2);
  const b = new Float64Array(X.nRows * 2);
  predictRawInto(trees, X, a);
  predictRawInto(reloaded, X, b);
  assert.deepEqual(new Uint8Array(b.buffer), new Uint8Array(a.buffer));
  // Every leaf holds class proportions.
  for (let i = 0; i < a.length; i += 2) assert.ok(Math.abs(a[i]! + a[i + 1]! - 5) < 1e-9);
});

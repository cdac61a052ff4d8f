// Splits: coverage, disjointness, stratification balance, determinism, holdout proportions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Dataset } from '../../src/data/dataset.js';
import { loadDatasetFile } from '../../src/data/load.js';
import { datasetFolds, type Fold, holdout, kFold, stratifiedKFold } from '../../src/data/split.js';
import { ConfigError, DataError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/random.js';

function isSortedAscending(a: Int32Array): boolean {
  for (let i = 1; i < a.length; i++) if (a[i]! <= a[i - 1]!) return false;
  return true;
}

/** Every row in exactly one test fold per repeat; train = complement of test; both sorted. */
function assertPartition(folds: Fold[], n: number, k: number, repeats: number): void {
  assert.equal(folds.length, k * repeats);
  for (let r = 0; r < repeats; r++) {
    const inTest = new Int32Array(n);
    const ofRepeat = folds.filter((f) => f.repeat === r);
    assert.deepEqual(ofRepeat.map((f) => f.fold), Array.from({ length: k }, (_, i) => i));
    for (const fold of ofRepeat) {
      assert.ok(isSortedAscending(fold.test) && isSortedAscending(fold.train), 'indices sorted ascending');
      assert.equal(fold.train.length + fold.test.length, n);
      const inFold = new Uint8Array(n);
      for (const i of fold.test) {
        inTest[i]!++;
        inFold[i] = 1;
      }
      for (const i of fold.train) assert.equal(inFold[i], 0, 'train and test are disjoint');
    }
    assert.ok(inTest.every((count) => count === 1), 'each row in exactly one test fold');
  }
}

/** Imbalanced labels like a real task: 3 classes, 60 / 30 / 10 %. */
function imbalancedLabels(n: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n }, () => {
    const u = rng.next();
    return u < 0.6 ? 0 : u < 0.9 ? 1 : 2;
  });
}

test('kFold partitions the rows into near-equal folds', () => {
  for (const [n, k] of [[10, 2], [101, 5], [1000, 10], [7, 7]] as const) {
    const folds = kFold(n, k, 3, 2);
    assertPartition(folds, n, k, 2);
    const sizes = folds.map((f) => f.test.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
  }
});

test('stratifiedKFold spreads every class evenly over folds and keeps fold sizes within one', () => {
  const y = imbalancedLabels(997, 5);
  const k = 10;
  const folds = stratifiedKFold(y, k, 42, 3);
  assertPartition(folds, y.length, k, 3);
  for (const fold of folds) {
    const total = folds.filter((f) => f.repeat === fold.repeat).map((f) => f.test.length);
    assert.ok(Math.max(...total) - Math.min(...total) <= 1);
  }
  for (let c = 0; c < 3; c++) {
    for (let r = 0; r < 3; r++) {
      const perFold = folds.filter((f) => f.repeat === r).map((f) => f.test.filter((i) => y[i] === c).length);
      assert.ok(Math.max(...perFold) - Math.min(...perFold) <= 1, `class ${c} spread ${perFold}`);
    }
  }
});

test('splits are deterministic per seed and differ between seeds and repeats', () => {
  const y = imbalancedLabels(300, 1);
  assert.deepEqual(stratifiedKFold(y, 5, 9), stratifiedKFold(y, 5, 9));
  assert.deepEqual(kFold(300, 5, 9), kFold(300, 5, 9));
  assert.notDeepEqual(stratifiedKFold(y, 5, 9)[0]!.test, stratifiedKFold(y, 5, 10)[0]!.test);
  assert.notDeepEqual(kFold(300, 5, 9)[0]!.test, kFold(300, 5, 10)[0]!.test);
  const twoRepeats = stratifiedKFold(y, 5, 9, 2);
  assert.notDeepEqual(twoRepeats[0]!.test, twoRepeats[5]!.test);
  // Repeat 0 does not depend on how many repeats were asked for.
  assert.deepEqual(twoRepeats.slice(0, 5), stratifiedKFold(y, 5, 9, 1));
});

test('a class with fewer rows than folds still splits, each of its rows in a different fold', () => {
  const y = new Int32Array(50);
  y[3] = 1;
  y[17] = 1;
  y[40] = 2; // a singleton class
  const folds = stratifiedKFold(y, 5, 1);
  assertPartition(folds, 50, 5, 1);
  const foldsWithClass1 = folds.filter((f) => f.test.includes(3) || f.test.includes(17));
  assert.equal(foldsWithClass1.length, 2);
});

test('bad fold arguments are clear errors', () => {
  assert.throws(() => kFold(10, 1, 0), ConfigError);
  assert.throws(() => kFold(3, 5, 0), DataError);
  assert.throws(() => stratifiedKFold(Int32Array.from([0, 1, -1, 0]), 2, 0), /negative/);
  assert.throws(() => stratifiedKFold(new Int32Array(10), 2, 0, 0), ConfigError);
});

test('holdout: size, disjointness, determinism, stratification', () => {
  const y = imbalancedLabels(1000, 2);
  const plainSplit = holdout(1000, 0.25, 4);
  assert.equal(plainSplit.test.length, 250);
  assertPartition(
    [plainSplit, { train: plainSplit.test, test: plainSplit.train, repeat: 0, fold: 1 }],
    1000,
    2,
    1,
  );
  assert.deepEqual(holdout(1000, 0.25, 4), plainSplit);
  const stratified = holdout(1000, 0.2, 4, y);
  assert.equal(stratified.test.length, 200);
  for (let c = 0; c < 3; c++) {
    const total = y.filter((v) => v === c).length;
    const inTest = stratified.test.filter((i) => y[i] === c).length;
    assert.ok(Math.abs(inTest - total * 0.2) <= 1, `class ${c}: ${inTest} of ${total} in test`);
  }
  // Tiny classes keep a row in train.
  const tiny = Int32Array.from([0, 0, 0, 0, 0, 0, 1, 1]);
  const split = holdout(8, 0.5, 1, tiny);
  assert.ok(split.train.some((i) => tiny[i] === 1));
  assert.throws(() => holdout(10, 1, 0), ConfigError);
  assert.throws(() => holdout(10, 0.3, 0, new Int32Array(5)), DataError);
});

test('datasetFolds stratifies classification and uses plain folds for regression', () => {
  const codes = imbalancedLabels(200, 8);
  const base = { name: 't', nRows: 200, features: [] };
  const classification: Dataset = {
    ...base,
    task: 'multiclass',
    target: { name: 'y', kind: 'classes', codes, classes: ['a', 'b', 'c'] },
  };
  assert.deepEqual(datasetFolds(classification, 5, 3), stratifiedKFold(codes, 5, 3));
  const regression: Dataset = {
    ...base,
    task: 'regression',
    target: { name: 'y', kind: 'values', values: new Float64Array(200) },
  };
  assert.deepEqual(datasetFolds(regression, 5, 3), kFold(200, 5, 3));
});

test('soybean (19 classes, some with fewer rows than folds): 10-fold stratification on real labels', () => {
  const dataset = loadDatasetFile('../shared/datasets/soybean.arff');
  assert.ok(dataset.target.kind === 'classes');
  const { codes, classes } = dataset.target;
  assert.equal(classes.length, 19);
  const folds = datasetFolds(dataset, 10, 2024, 2);
  assertPartition(folds, dataset.nRows, 10, 2);
  for (let c = 0; c < classes.length; c++) {
    const perFold = folds.slice(0, 10).map((f) => f.test.filter((i) => codes[i] === c).length);
    assert.ok(Math.max(...perFold) - Math.min(...perFold) <= 1, `class ${c}: ${perFold}`);
  }
});

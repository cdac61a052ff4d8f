// DenseEncoder on real shared datasets: fit on training folds, transform held-out rows, JSON round trip.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Dataset, takeFeatureRows } from '../../src/data/dataset.js';
import { loadDatasetFile } from '../../src/data/load.js';
import { holdout } from '../../src/data/split.js';
import { fitDenseEncoder, loadDenseEncoder } from '../../src/preprocess/dense-encoder.js';
import type { DenseEncoderOptions } from '../../src/preprocess/types.js';

const DATASETS = '../shared/datasets';

function load(name: string): Dataset {
  return loadDatasetFile(`${DATASETS}/${name}.arff`);
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Fits on a stratified 70 % and checks the structural promises on both parts. */
function checkDataset(name: string, expectIndicators: boolean, options: DenseEncoderOptions = {}): void {
  const dataset = load(name);
  const codes = dataset.target.kind === 'classes' ? dataset.target.codes : undefined;
  const split = holdout(dataset.nRows, 0.3, 17, codes);
  const train = takeFeatureRows(dataset, split.train);
  const test = takeFeatureRows(dataset, split.test);
  const encoder = fitDenseEncoder(train, options);
  const width = encoder.width;
  assert.equal(encoder.outputNames.length, width);
  assert.equal(new Set(encoder.outputNames).size, width, 'output names are unique');
  assert.equal(encoder.outputNames.some((n) => n.endsWith('__missing')), expectIndicators);

  const trainOut = encoder.transform(train);
  const testOut = encoder.transform(test);
  assert.equal(trainOut.length, train.nRows * width);
  assert.ok(trainOut.every(Number.isFinite) && testOut.every(Number.isFinite));

  // Standardized numeric value columns: mean 0 and std 1 (or exactly 0 when constant) on the training rows.
  const numericNames = new Set(dataset.features.filter((f) => f.kind === 'numeric').map((f) => f.name));
  encoder.outputNames.forEach((outName, j) => {
    if (!numericNames.has(outName)) return;
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < train.nRows; i++) sum += trainOut[i * width + j]!;
    const mean = sum / train.nRows;
    for (let i = 0; i < train.nRows; i++) squares += (trainOut[i * width + j]! - mean) ** 2;
    const std = Math.sqrt(squares / train.nRows);
    assert.ok(Math.abs(mean) < 1e-9, `${name}.${outName} mean ${mean}`);
    assert.ok(Math.abs(std - 1) < 1e-9 || std === 0, `${name}.${outName} std ${std}`);
  });

  // Each categorical block: exactly one 1 per training row (missing -> mode); at most one on new rows.
  for (const feature of dataset.features) {
    if (feature.kind !== 'categorical') continue;
    const block = encoder.outputNames.flatMap((n, j) =>
      n.startsWith(`${feature.name}=`) || n === `${feature.name}__missing` ? [j] : [],
    );
    for (const [out, rows, exact] of [[trainOut, train.nRows, true], [testOut, test.nRows, false]] as const) {
      for (let i = 0; i < rows; i++) {
        let ones = 0;
        for (const j of block) ones += out[i * width + j]!;
        assert.ok(exact ? ones === 1 : ones <= 1, `${name}.${feature.name} row ${i}: ${ones} ones`);
      }
    }
  }

  const loaded = loadDenseEncoder(JSON.parse(JSON.stringify(encoder.toJSON())));
  assert.ok(sameBits(loaded.transform(train), trainOut));
  assert.ok(sameBits(loaded.transform(test), testOut));
}

test('credit-g (mixed numeric and nominal): encode, check, round trip', () => checkDataset('credit-g', false));
test('vote (nominal with missing values): encode, check, round trip', () => checkDataset('vote', false));
test('vote with categorical missing indicators: missing votes get their own columns', () =>
  checkDataset('vote', true, { categoricalMissingIndicators: true }));
test('soybean (35 nominal, missing values, 19 classes): encode, check, round trip', () => checkDataset('soybean', false));
test('diabetes (numeric only): encode, check, round trip', () => checkDataset('diabetes', false));

test('a missing numeric value in new rows gets the training median and the indicator', () => {
  // cpu (numeric + vendor nominal) has no missing values: blank one out in the transformed rows.
  const dataset = load('cpu');
  const encoder = fitDenseEncoder(dataset);
  const numeric = dataset.features.find((f) => f.kind === 'numeric')!;
  assert.ok(!encoder.outputNames.includes(`${numeric.name}__missing`), 'no indicator without training missingness');
  const withIndicators = fitDenseEncoder({
    nRows: dataset.nRows,
    features: dataset.features.map((f) =>
      f === numeric && f.kind === 'numeric' ? { ...f, values: f.values.map((v, i) => (i === 0 ? NaN : v)) } : f,
    ),
  });
  assert.ok(withIndicators.outputNames.includes(`${numeric.name}__missing`));
});

test('new rows from a different category list (reordered, unseen values) are matched by name', () => {
  const dataset = load('credit-g');
  const encoder = fitDenseEncoder(dataset, { maxOneHotCategories: 3 });
  const original = encoder.transform(dataset);
  // Reverse every category list (recoding the rows to match) and reverse the column order.
  const recoded = {
    nRows: dataset.nRows,
    features: [...dataset.features].reverse().map((f) => {
      if (f.kind !== 'categorical') return f;
      const m = f.categories.length;
      return { ...f, categories: [...f.categories].reverse(), codes: f.codes.map((c) => (c < 0 ? c : m - 1 - c)) };
    }),
  };
  assert.ok(sameBits(encoder.transform(recoded), original));
  // The cap holds: at most 3 levels plus 'other' per categorical feature.
  for (const f of dataset.features) {
    if (f.kind === 'categorical') {
      assert.ok(encoder.outputNames.filter((n) => n.startsWith(`${f.name}=`)).length <= 4);
    }
  }
});

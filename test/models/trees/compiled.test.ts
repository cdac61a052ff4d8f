import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadDatasetFile } from '../../../src/data/load.js';
import { trainBoosting, trainForest, type BoostParams, type ForestParams } from '../../../src/models/trees/index.js';
import { predictRawInto, predictTreeMeanVariance, TreeBuilder, type TreeArrays } from '../../../src/models/trees/predictor.js';
import { fitTreeEncoder } from '../../../src/preprocess/tree-encoder.js';
import type { TreeMatrix } from '../../../src/preprocess/types.js';
import { Rng } from '../../../src/util/random.js';

/**
 * The specification of tree prediction, written out independently of the predictor: walk each tree node by node on
 * the raw floats (NaN takes the learned missing direction; a categorical code is clamped to the split's last bin
 * and looked up in its bit set), and add the leaf outputs tree by tree.
 */
function referenceRaw(t: TreeArrays, X: TreeMatrix, out: Float64Array): void {
  for (let tr = 0; tr < t.roots.length; tr++) {
    for (let i = 0; i < X.nRows; i++) {
      let node = t.roots[tr]!;
      while (t.feature[node]! >= 0) {
        const x = X.columns[t.feature[node]!]![i]!;
        let left: boolean;
        if (Number.isNaN(x)) left = t.missingLeft[node] === 1;
        else if (t.catOffset[node]! < 0) left = x <= t.threshold[node]!;
        else {
          const last = t.threshold[node]!;
          const b = x >= last ? last : x <= 0 ? 0 : Math.trunc(x);
          left = ((t.catBits[t.catOffset[node]! + (b >>> 5)]! >>> (b & 31)) & 1) === 1;
        }
        node = left ? t.left[node]! : t.right[node]!;
      }
      for (let j = 0; j < t.leafWidth; j++) out[i * t.nOutputs + t.treeOutput[tr]! + j] += t.values[t.valueOffset[node]! + j]!;
    }
  }
}

function assertSameBits(t: TreeArrays, X: TreeMatrix, what: string): void {
  const got = new Float64Array(X.nRows * t.nOutputs);
  const want = new Float64Array(X.nRows * t.nOutputs);
  predictRawInto(t, X, got);
  referenceRaw(t, X, want);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) assert.fail(`${what}: output ${i} is ${got[i]}, the node-by-node walk gives ${want[i]}`);
  }
}

/** credit-g as a TreeMatrix (13 categorical features) with `rate` of the cells set missing. */
function creditG(rate: number, seed: number): { X: TreeMatrix; y: Int32Array } {
  const data = loadDatasetFile('../shared/datasets/credit-g.arff');
  const X = fitTreeEncoder(data).transform(data);
  const rng = new Rng(seed);
  const columns = X.columns.map((c) => Float64Array.from(c, (v) => (rng.uniform(0, 1) < rate ? NaN : v)));
  return { X: { ...X, columns }, y: data.target.kind === 'classes' ? data.target.codes : new Int32Array(0) };
}

/** Rows the compiled layout must hand to the float walk: NaN everywhere, codes past 30, fractional codes. */
function awkwardRows(X: TreeMatrix, seed: number): TreeMatrix {
  const rng = new Rng(seed);
  const columns = X.columns.map((c, f) =>
    Float64Array.from(c, (v) => {
      const u = rng.uniform(0, 1);
      if (u < 0.05) return NaN;
      if (X.isCategorical[f] && u < 0.1) return 31 + Math.floor(rng.uniform(0, 40));
      if (X.isCategorical[f] && u < 0.12) return v + 0.5;
      if (!X.isCategorical[f] && u < 0.15) return -v;
      return v;
    }),
  );
  return { ...X, columns };
}

const BOOST: BoostParams = {
  loss: 'log_loss', nClasses: 2, learningRate: 0.1, nRounds: 30, maxLeaves: 31, maxDepth: Infinity, minChildWeight: 1e-3,
  minSamplesLeaf: 5, lambda: 0, minSplitGain: 0, subsample: 1, colsample: 1, maxBins: 255, catSmooth: 10,
  earlyStopping: false, validationFraction: 0.1, patience: 5, seed: 1,
};

const FOREST: ForestParams = {
  nClasses: 2, nTrees: 20, maxFeatures: 5, criterion: 'gini', maxDepth: Infinity, minSamplesLeaf: 1, minSamplesSplit: 2,
  bootstrap: true, maxSamples: 1, randomSplits: false, maxBins: 255, seed: 2,
};

test('boosted trees with categorical splits and learned missing directions predict bit for bit like the node walk', () => {
  const train = creditG(0.1, 1);
  const model = trainBoosting(train.X, train.y, BOOST);
  const t = model.trees;
  let categorical = 0;
  let missingRight = 0;
  for (let i = 0; i < t.feature.length; i++) {
    if (t.feature[i]! >= 0 && t.catOffset[i]! >= 0) categorical++;
    if (t.feature[i]! >= 0 && t.missingLeft[i] === 0) missingRight++;
  }
  assert.ok(categorical > 10 && missingRight > 10, `the model should exercise both (${categorical} categorical, ${missingRight} missing-right splits)`);
  assertSameBits(t, creditG(0, 2).X, 'complete rows');
  assertSameBits(t, creditG(0.2, 3).X, 'rows with missing cells');
  assertSameBits(t, awkwardRows(creditG(0, 4).X, 5), 'unseen, fractional and negated values');
  const one = creditG(0, 6).X;
  for (const n of [1, 7, 8, 13]) assertSameBits(t, { ...one, nRows: n, columns: one.columns.map((c) => c.subarray(0, n)) }, `${n} rows`);
  assertSameBits(t, { ...one, nRows: 0, columns: one.columns.map(() => new Float64Array(0)) }, 'no rows');
});

test('forests and extra trees (numeric splits on codes) predict bit for bit like the node walk', () => {
  const train = creditG(0.05, 7);
  for (const randomSplits of [false, true]) {
    const { trees } = trainForest(train.X, train.y, { ...FOREST, randomSplits });
    assertSameBits(trees, creditG(0, 8).X, `forest (random splits ${randomSplits}), complete rows`);
    assertSameBits(trees, awkwardRows(creditG(0.1, 9).X, 10), `forest (random splits ${randomSplits}), awkward rows`);
  }
});

test('multi-class boosting (one tree per class per round) and a 40-category feature', () => {
  const rng = new Rng(11);
  const n = 600;
  const code = Float64Array.from({ length: n }, () => Math.floor(rng.uniform(0, 40)));
  const x = Float64Array.from({ length: n }, () => rng.normal());
  const y = Int32Array.from({ length: n }, (_, i) => (code[i]! % 3 === 0 ? 0 : x[i]! > 0 ? 1 : 2));
  const X: TreeMatrix = { nRows: n, columns: [code, x], isCategorical: [true, false], cardinalities: [40, 0], names: ['code', 'x'] };
  const model = trainBoosting(X, y, { ...BOOST, loss: 'softmax', nClasses: 3, nRounds: 10 });
  assertSameBits(model.trees, X, 'training rows (codes up to 39)');
  assertSameBits(model.trees, awkwardRows(X, 12), 'awkward rows');
});

test('mean and variance across trees use the same leaves as the sum', () => {
  const rng = new Rng(13);
  const n = 300;
  const x0 = Float64Array.from({ length: n }, () => rng.uniform(-2, 2));
  const x1 = Float64Array.from({ length: n }, (_, i) => (i % 17 === 0 ? NaN : rng.uniform(-2, 2)));
  const y = Float64Array.from({ length: n }, (_, i) => x0[i]! * x0[i]! + (Number.isNaN(x1[i]!) ? 1 : x1[i]!));
  const X: TreeMatrix = { nRows: n, columns: [x0, x1], isCategorical: [false, false], cardinalities: [0, 0], names: ['x0', 'x1'] };
  const { trees } = trainForest(X, y, { ...FOREST, nClasses: 0, criterion: 'squared_error', maxFeatures: 2 });
  const sum = new Float64Array(n);
  referenceRaw(trees, X, sum);
  const { mean } = predictTreeMeanVariance(trees, X);
  for (let i = 0; i < n; i++) assert.ok(Object.is(mean[i], sum[i]! / trees.roots.length), `row ${i}`);
});

test('hand-built splits: numeric and categorical tests on one feature, -0 and infinite thresholds, every code', () => {
  const b = new TreeBuilder(2, 1, 1);
  const leaf = (value: number): number => {
    const node = b.addNode();
    b.setLeaf(node, [value]);
    return node;
  };
  // Tree 0: categorical split on feature 0 ({1, 3, 7} and codes >= 9 left), then `code <= 3` on the same feature.
  b.beginTree(0);
  const root = b.addNode();
  const cat = new Uint32Array(8);
  cat[0] = (1 << 1) | (1 << 3) | (1 << 7) | (1 << 9);
  b.setSplit(root, 0, 9, 0, false, cat);
  const numeric = b.addNode();
  b.setSplit(numeric, 0, 3, 0, true, null);
  b.setChildren(root, numeric, leaf(1));
  b.setChildren(numeric, leaf(2), leaf(3));
  // Tree 1: feature 1 at -0, then at +Infinity and -Infinity.
  b.beginTree(0);
  const r1 = b.addNode();
  b.setSplit(r1, 1, -0, 0, false, null);
  const inf = b.addNode();
  b.setSplit(inf, 1, Infinity, 0, true, null);
  const negInf = b.addNode();
  b.setSplit(negInf, 1, -Infinity, 0, false, null);
  b.setChildren(r1, negInf, inf);
  b.setChildren(inf, leaf(10), leaf(20));
  b.setChildren(negInf, leaf(30), leaf(40));
  const t = b.finish();
  const codes: number[] = [];
  const xs: number[] = [];
  const specials = [0, -0, 1e-300, -1e-300, Infinity, -Infinity, NaN, 5];
  for (let code = 0; code < 45; code++) {
    for (const x of specials) {
      codes.push(code);
      xs.push(x);
    }
  }
  for (const odd of [NaN, -1, 2.5, 30.5, 1e9]) {
    codes.push(odd);
    xs.push(1);
  }
  const X: TreeMatrix = { nRows: codes.length, columns: [Float64Array.from(codes), Float64Array.from(xs)], isCategorical: [true, false], cardinalities: [45, 0], names: ['c', 'x'] };
  assertSameBits(t, X, 'hand-built trees');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitBinMapper, MISSING_BIN } from '../../../src/models/trees/binning.js';
import { buildHistogram, FEATURE_STRIDE, histogramSize, subtractHistogram } from '../../../src/models/trees/histogram.js';
import { findBestSplit, SplitInfo, SplitScratch, type SplitParams } from '../../../src/models/trees/split.js';
import type { TreeMatrix } from '../../../src/preprocess/types.js';
import { Rng } from '../../../src/util/random.js';

const params: SplitParams = { lambda: 0, minChildWeight: 0, minSamplesLeaf: 1, minSplitGain: 0, catSmooth: 0 };

function mapperFor(columns: Float64Array[], isCategorical = columns.map(() => false)) {
  const X: TreeMatrix = {
    nRows: columns[0]!.length,
    columns,
    isCategorical,
    cardinalities: columns.map((c, i) => (isCategorical[i] ? Math.max(...c.filter((v) => v === v)) + 1 : 0)),
    names: columns.map((_, i) => `f${i}`),
  };
  return fitBinMapper(X);
}

test('histogram subtraction equals a direct build of the sibling', () => {
  const rng = new Rng(11);
  const n = 500;
  const d = 4;
  const bins = new Uint8Array(n * d);
  for (let i = 0; i < bins.length; i++) bins[i] = rng.next() < 0.05 ? MISSING_BIN : rng.int(40);
  const g = Float64Array.from({ length: n }, () => rng.normal());
  const h = Float64Array.from({ length: n }, () => rng.next());
  const features = Int32Array.from([0, 1, 2, 3]);
  const rows = rng.permutation(n);
  const parent = new Float64Array(histogramSize(d));
  const left = new Float64Array(histogramSize(d));
  const right = new Float64Array(histogramSize(d));
  const nBins = Int32Array.from([40, 40, 40, 40]);
  buildHistogram(parent, bins, d, features, d, rows, 0, n, g, h, nBins);
  buildHistogram(left, bins, d, features, d, rows, 0, 123, g, h, nBins);
  buildHistogram(right, bins, d, features, d, rows, 123, n, g, h, nBins);
  subtractHistogram(parent, left, features, d, nBins);
  for (let i = 0; i < parent.length; i++) assert.ok(Math.abs(parent[i]! - right[i]!) < 1e-9, `slot ${i}`);
  // Direct sums for one slot.
  let gs = 0;
  let c = 0;
  for (let i = 123; i < n; i++) {
    if (bins[rows[i]! * d + 2] === 7) {
      gs += g[rows[i]!]!;
      c++;
    }
  }
  const o = 2 * FEATURE_STRIDE + 7 * 3;
  assert.ok(Math.abs(right[o]! - gs) < 1e-12);
  assert.equal(right[o + 2], c);
});

/** Histogram of one feature from (bin, g, h) triples. */
function histOf(entries: [number, number, number][]): Float64Array {
  const hist = new Float64Array(histogramSize(1));
  for (const [b, g, h] of entries) {
    hist[b * 3] += g;
    hist[b * 3 + 1] += h;
    hist[b * 3 + 2] += 1;
  }
  return hist;
}

function best(hist: Float64Array, mapper: ReturnType<typeof mapperFor>, p = params): SplitInfo {
  let G = 0;
  let H = 0;
  let C = 0;
  for (let b = 0; b < 256; b++) {
    G += hist[b * 3]!;
    H += hist[b * 3 + 1]!;
    C += hist[b * 3 + 2]!;
  }
  const out = new SplitInfo();
  findBestSplit(hist, Int32Array.from([0]), 1, mapper, G, H, C, p, out, new SplitScratch());
  return out;
}

test('split gain on a hand example: G^2/H terms', () => {
  // Bins 0,1 have gradient -1 each, bins 2,3 gradient +1 each, hessian 1: best split after bin 1.
  const mapper = mapperFor([Float64Array.from([0, 1, 2, 3])]);
  const s = best(histOf([[0, -1, 1], [1, -1, 1], [2, 1, 1], [3, 1, 1]]), mapper);
  assert.equal(s.feature, 0);
  assert.equal(s.bin, 1);
  // gain = (-2)^2/2 + 2^2/2 - 0^2/4 = 4
  assert.ok(Math.abs(s.gain - 4) < 1e-12);
  assert.equal(s.leftG, -2);
  assert.equal(s.leftC, 2);
  // With lambda = 1: 4/3 + 4/3 - 0 = 8/3.
  const s2 = best(histOf([[0, -1, 1], [1, -1, 1], [2, 1, 1], [3, 1, 1]]), mapper, { ...params, lambda: 1 });
  assert.ok(Math.abs(s2.gain - 8 / 3) < 1e-12);
  // min_samples_leaf 3 forbids every split of 4 rows.
  assert.equal(best(histOf([[0, -1, 1], [1, -1, 1], [2, 1, 1], [3, 1, 1]]), mapper, { ...params, minSamplesLeaf: 3 }).feature, -1);
});

test('missing values learn the direction that fits their gradients', () => {
  const mapper = mapperFor([Float64Array.from([0, 1, 2, 3])]);
  // Missing rows look like the low bins (negative gradients): they should go left.
  const left = best(histOf([[0, -1, 1], [1, -1, 1], [2, 1, 1], [3, 1, 1], [MISSING_BIN, -3, 3]]), mapper);
  assert.equal(left.bin, 1);
  assert.equal(left.missingLeft, true);
  assert.equal(left.leftC, 3); // two rows plus the one missing entry
  const right = best(histOf([[0, -1, 1], [1, -1, 1], [2, 1, 1], [3, 1, 1], [MISSING_BIN, 3, 3]]), mapper);
  assert.equal(right.bin, 1);
  assert.equal(right.missingLeft, false);
  assert.equal(right.leftC, 2);
  // No missing rows in the node: missing values follow the larger child.
  const bigRight = best(histOf([[0, -5, 1], [1, 1, 1], [2, 1, 1], [3, 1, 1]]), mapper);
  assert.equal(bigRight.bin, 0);
  assert.equal(bigRight.missingLeft, false);
});

test('categorical split groups categories by gradient ratio, not by code order', () => {
  const mapper = mapperFor([Float64Array.from([0, 1, 2, 3])], [true]);
  // Codes 0 and 3 have negative gradients, 1 and 2 positive: no ordinal threshold separates them.
  const s = best(histOf([[0, -2, 1], [1, 2, 1], [2, 2, 1], [3, -2, 1]]), mapper);
  assert.equal(s.isCategorical, true);
  const inLeft = (b: number): boolean => ((s.catBits[b >>> 5]! >>> (b & 31)) & 1) === 1;
  assert.equal(inLeft(0), inLeft(3));
  assert.equal(inLeft(1), inLeft(2));
  assert.notEqual(inLeft(0), inLeft(1));
  assert.ok(Math.abs(s.gain - 16) < 1e-12);
});

/**
 * Conformal intervals and sets: exact order statistics, split-conformal special case, coverage on synthetic data
 * with known noise within binomial error of the nominal level, and clear errors for bad levels.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkLevel,
  conformalRank,
  cvPlusIntervals,
  cvPlusSets,
  groupScores,
  kthOfShiftedScaled,
  labelScores,
  mergeScores,
  residualScores,
  type SetMethod,
} from '../../src/ensemble/conformal.js';
import { ConfigError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/random.js';

describe('conformal order statistics', () => {
  it('kthOfShiftedScaled equals sorting the whole union, on random groups with ties', () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 300; trial++) {
      const K = 1 + rng.int(6);
      const folds = Array.from({ length: K }, () => Float64Array.from({ length: rng.int(12) + (trial % 2) }, () => rng.int(6) / 2).sort());
      const shift = Float64Array.from({ length: K }, () => rng.normal());
      const scale = Float64Array.from({ length: K }, () => 0.1 + rng.next() * 3);
      const union = folds.flatMap((f, g) => Array.from(f, (r) => shift[g]! + scale[g]! * r)).sort((a, b) => a - b);
      if (union.length === 0) continue;
      for (let t = 1; t <= union.length; t++) assert.equal(kthOfShiftedScaled(folds, shift, scale, t), union[t - 1]);
      assert.equal(kthOfShiftedScaled(folds, shift, scale, union.length + 1), Infinity);
    }
  });

  it('one group is split conformal: mean -/+ spread x the ceil(level (n + 1))-th smallest score', () => {
    const scores = groupScores(Float64Array.from([0.5, 3, 1, 2, 4, 0.1, 6, 5, 2.5]), new Int32Array(9), 1);
    const { lower, upper } = cvPlusIntervals(scores, [Float64Array.from([10, -1])], [Float64Array.from([1, 2])], 0.8);
    assert.equal(conformalRank(0.8, 9), 8);
    assert.deepEqual(Array.from(upper), [15, -1 + 2 * 5]);
    assert.deepEqual(Array.from(lower), [5, -1 - 2 * 5]);
    assert.deepEqual(mergeScores(groupScores(Float64Array.from([3, 1, 2]), Int32Array.from([1, 0, 1]), 2)).folds, [Float64Array.from([1, 2, 3])]);
  });

  it('bad levels are ConfigErrors that say what is allowed', () => {
    for (const bad of [0, 1, 1.5, -0.1, NaN, Infinity, '0.9', null, 90]) {
      assert.throws(() => checkLevel(bad, 1000), (e: unknown) => e instanceof ConfigError && /strictly between 0 and 1/.test(e.message), String(bad));
    }
    assert.throws(() => checkLevel(0.99, 50), (e: unknown) => e instanceof ConfigError && /50/.test(e.message) && /0\.98/.test(e.message));
    assert.equal(checkLevel(0.9, 50), 0.9);
  });
});

/** Binomial standard error of a coverage estimate over m test rows (conditional on the calibration rows, plus their own). */
function tolerance(level: number, nTest: number, nCal: number): number {
  return 4 * Math.sqrt(level * (1 - level) * (1 / nTest + 1 / nCal));
}

describe('coverage on synthetic data with known noise', () => {
  // y = sin(3x) + 2x + noise with sd 0.1 + |x|: heteroscedastic. K fold "models" are the truth plus a fold-specific
  // error curve (what a fitted model's error looks like), exchangeable across rows as CV+ assumes.
  const K = 5;
  const truth = (x: number): number => Math.sin(3 * x) + 2 * x;
  const sd = (x: number): number => 0.1 + Math.abs(x);
  const foldModel = (f: number, x: number): number => truth(x) + 0.15 * Math.sin(5 * x + f);

  function draw(rng: Rng, n: number): { x: Float64Array; y: Float64Array } {
    const x = Float64Array.from({ length: n }, () => rng.uniform(-1, 1));
    return { x, y: Float64Array.from(x, (v) => truth(v) + sd(v) * rng.normal()) };
  }

  for (const normalized of [false, true]) {
    it(`CV+ intervals (${normalized ? 'normalized by the true spread' : 'absolute'}) cover 90% of new rows`, () => {
      const rng = new Rng(normalized ? 21 : 22);
      const nCal = 1000;
      const nTest = 4000;
      const cal = draw(rng, nCal);
      const foldOf = Int32Array.from({ length: nCal }, (_, i) => i % K);
      const oof = Float64Array.from(cal.x, (x, i) => foldModel(foldOf[i]!, x));
      const spread = normalized ? Float64Array.from(cal.x, sd) : undefined;
      const scores = groupScores(residualScores(cal.y, oof, spread), foldOf, K);
      const test = draw(rng, nTest);
      const means = Array.from({ length: K }, (_, f) => Float64Array.from(test.x, (x) => foldModel(f, x)));
      const spreads = normalized ? Array.from({ length: K }, () => Float64Array.from(test.x, sd)) : undefined;
      const { lower, upper } = cvPlusIntervals(scores, means, spreads, 0.9);
      let covered = 0;
      let narrowWidth = 0;
      let wideWidth = 0;
      for (let i = 0; i < nTest; i++) {
        if (lower[i]! <= test.y[i]! && test.y[i]! <= upper[i]!) covered++;
        if (Math.abs(test.x[i]!) < 0.2) narrowWidth += upper[i]! - lower[i]!;
        else if (Math.abs(test.x[i]!) > 0.8) wideWidth += upper[i]! - lower[i]!;
      }
      const coverage = covered / nTest;
      assert.ok(Math.abs(coverage - 0.9) <= tolerance(0.9, nTest, nCal), `coverage ${coverage}`);
      if (normalized) assert.ok(wideWidth > 2 * narrowWidth, 'normalized intervals are wider where the noise is larger');
    });
  }

  for (const method of ['lac', 'aps'] as SetMethod[]) {
    it(`CV+ prediction sets (${method}) cover 90% of new rows`, () => {
      const rng = new Rng(method === 'lac' ? 31 : 32);
      const k = 4;
      const nCal = 1000;
      const nTest = 4000;
      // True class probabilities: softmax of a row-specific random logit vector; fold models perturb the logits.
      const draw2 = (n: number) => {
        const logits = Float64Array.from({ length: n * k }, () => 1.5 * rng.normal());
        const y = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          const p = softmax(logits, i, k, 0, 0);
          let u = rng.next();
          let c = 0;
          while (c < k - 1 && (u -= p[c]!) > 0) c++;
          y[i] = c;
        }
        return { logits, y };
      };
      const cal = draw2(nCal);
      const foldOf = Int32Array.from({ length: nCal }, (_, i) => i % K);
      const oof = new Float64Array(nCal * k);
      for (let i = 0; i < nCal; i++) oof.set(softmax(cal.logits, i, k, foldOf[i]!, 0.3), i * k);
      const scores = groupScores(labelScores(method, cal.y, oof, k), foldOf, K);
      const test = draw2(nTest);
      const probabilities = Array.from({ length: K }, (_, f) => {
        const p = new Float64Array(nTest * k);
        for (let i = 0; i < nTest; i++) p.set(softmax(test.logits, i, k, f, 0.3), i * k);
        return p;
      });
      const members = cvPlusSets(scores, probabilities, k, 0.9, method);
      let covered = 0;
      let size = 0;
      for (let i = 0; i < nTest; i++) {
        covered += members[i * k + test.y[i]!]!;
        for (let c = 0; c < k; c++) size += members[i * k + c]!;
      }
      const coverage = covered / nTest;
      // APS with U = 1/2 is a little conservative.
      const slack = method === 'aps' ? 0.03 : 0;
      assert.ok(coverage >= 0.9 - tolerance(0.9, nTest, nCal) && coverage <= 0.9 + slack + tolerance(0.9, nTest, nCal), `coverage ${coverage}`);
      assert.ok(size / nTest > 1 && size / nTest < k, `mean set size ${size / nTest}`);
    });
  }
});

describe('APS on a binary task less accurate than the level', () => {
  it('keeps sets smaller than both classes (plain non-randomized APS would make every set full)', () => {
    const rng = new Rng(41);
    const n = 2000;
    // The model says 0.6-0.95 for its class and is right with that probability: about 78% accurate.
    const draw = (m: number) => {
      const p = new Float64Array(m * 2);
      const y = new Int32Array(m);
      for (let i = 0; i < m; i++) {
        const top = rng.uniform(0.6, 0.95);
        const c = rng.int(2);
        p[i * 2 + c] = top;
        p[i * 2 + 1 - c] = 1 - top;
        y[i] = rng.next() < top ? c : 1 - c;
      }
      return { p, y };
    };
    const cal = draw(n);
    const scores = groupScores(labelScores('aps', cal.y, cal.p, 2), new Int32Array(n), 1);
    const test = draw(n);
    const members = cvPlusSets(scores, [test.p], 2, 0.9, 'aps');
    let covered = 0;
    let size = 0;
    for (let i = 0; i < n; i++) {
      covered += members[i * 2 + test.y[i]!]!;
      size += members[i * 2]! + members[i * 2 + 1]!;
    }
    assert.ok(covered / n >= 0.9 - tolerance(0.9, n, n) && covered / n <= 0.93 + tolerance(0.9, n, n), `coverage ${covered / n}`);
    assert.ok(size / n < 1.8, `mean set size ${size / n}`);
  });
});

function softmax(logits: Float64Array, row: number, k: number, fold: number, noise: number): Float64Array {
  const p = new Float64Array(k);
  let z = 0;
  for (let c = 0; c < k; c++) z += p[c] = Math.exp(logits[row * k + c]! + noise * Math.sin(row * 1.7 + c * 2.3 + fold));
  for (let c = 0; c < k; c++) p[c]! /= z;
  return p;
}

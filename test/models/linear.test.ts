import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadDatasetFile } from '../../src/data/load.js';
import { fitDenseEncoder } from '../../src/preprocess/dense-encoder.js';
import { minimizeLbfgs } from '../../src/models/linear/lbfgs.js';
import { ABSENT_CLASS_INTERCEPT, fitLogistic, predictLogistic } from '../../src/models/linear/logistic.js';
import { fitRidge, predictLinear } from '../../src/models/linear/ridge.js';
import { Rng } from '../../src/util/random.js';

const DATA = '../shared/datasets';

/** Standardized design matrix and class codes of a shared dataset. */
function design(name: string): { X: Float64Array; n: number; d: number; y: Int32Array; k: number } {
  const ds = loadDatasetFile(`${DATA}/${name}.arff`);
  const encoder = fitDenseEncoder(ds);
  if (ds.target.kind !== 'classes') throw new Error('classification dataset expected');
  return { X: encoder.transform(ds), n: ds.nRows, d: encoder.width, y: ds.target.codes, k: ds.target.classes.length };
}

/** Gradient of Σ wᵢ(−log pᵢ[yᵢ]) + l2/2‖coef‖² over all k columns (the multinomial parametrization). */
function logisticGradient(X: Float64Array, n: number, d: number, y: Int32Array, k: number, l2: number, coef: Float64Array, intercept: Float64Array) {
  const P = predictLogistic(X, n, d, { coef, intercept });
  const gCoef = new Float64Array(d * k);
  const gIntercept = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const r = P[i * k + c]! - (y[i] === c ? 1 : 0);
      gIntercept[c] += r;
      for (let j = 0; j < d; j++) gCoef[j * k + c] += r * X[i * d + j]!;
    }
  }
  for (let t = 0; t < d * k; t++) gCoef[t] += l2 * coef[t]!;
  return { gCoef, gIntercept };
}

test('fitRidge solves the penalized normal equations (primal d <= n and dual d > n agree with them)', () => {
  const rng = new Rng(3);
  for (const [n, d] of [
    [60, 5],
    [8, 20],
  ] as const) {
    const X = Float64Array.from({ length: n * d }, () => rng.normal());
    const Y = Float64Array.from({ length: n * 2 }, (_, t) => (t % 2) + rng.normal() + 3 * X[Math.floor(t / 2) * d]!);
    const lambda = 0.7;
    const { coef, intercept } = fitRidge(X, n, d, Y, 2, lambda);
    // Optimality: residuals are mean-zero (intercept) and X'r = lambda coef for each target.
    const pred = predictLinear(X, n, d, { coef, intercept });
    for (let t = 0; t < 2; t++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += Y[i * 2 + t]! - pred[i * 2 + t]!;
      assert.ok(Math.abs(sum) < 1e-8, `mean residual ${sum}`);
      for (let j = 0; j < d; j++) {
        let g = 0;
        for (let i = 0; i < n; i++) g += X[i * d + j]! * (Y[i * 2 + t]! - pred[i * 2 + t]!);
        assert.ok(Math.abs(g - lambda * coef[j * 2 + t]!) < 1e-7, `stationarity ${g} vs ${lambda * coef[j * 2 + t]!}`);
      }
    }
  }
});

test('fitRidge with sample weights equals fitting duplicated rows; lambda 0 on collinear columns stays finite', () => {
  const rng = new Rng(5);
  const n = 30;
  const d = 3;
  const X = Float64Array.from({ length: n * d }, () => rng.normal());
  const Y = Float64Array.from({ length: n }, (_, i) => X[i * d]! - 2 * X[i * d + 2]! + rng.normal());
  const w = Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 2 : 1));
  const weighted = fitRidge(X, n, d, Y, 1, 0.5, { sampleWeight: w });
  const rows: number[] = [];
  for (let i = 0; i < n; i++) for (let r = 0; r < w[i]!; r++) rows.push(i);
  const Xd = Float64Array.from(rows.flatMap((i) => Array.from(X.subarray(i * d, (i + 1) * d))));
  const dup = fitRidge(Xd, rows.length, d, Float64Array.from(rows, (i) => Y[i]!), 1, 0.5);
  for (let j = 0; j < d; j++) assert.ok(Math.abs(weighted.coef[j]! - dup.coef[j]!) < 1e-10);
  assert.ok(Math.abs(weighted.intercept[0]! - dup.intercept[0]!) < 1e-10);

  const collinear = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) collinear[i * 2] = collinear[i * 2 + 1] = X[i * d]!;
  const fit = fitRidge(collinear, n, 2, Y, 1, 0);
  assert.ok(fit.coef.every(Number.isFinite));
});

test('fitLogistic (multinomial, glass) reaches the optimum: gradient ~ 0 and better loss than perturbations', () => {
  const { X, n, d, y, k } = design('glass');
  const l2 = 0.5;
  const model = fitLogistic(X, n, d, y, k, { l2, tol: 1e-8, maxIter: 2000 });
  const present = new Set(y);
  const { gCoef, gIntercept } = logisticGradient(X, n, d, y, k, l2, model.coef, model.intercept);
  for (let c = 0; c < k; c++) {
    if (!present.has(c)) {
      // glass lists 7 classes but has no rows of one: it gets probability ~0 and no coefficients.
      assert.equal(model.intercept[c], ABSENT_CLASS_INTERCEPT);
      continue;
    }
    assert.ok(Math.abs(gIntercept[c]!) < 1e-4 * n, `intercept gradient ${gIntercept[c]}`);
    for (let j = 0; j < d; j++) assert.ok(Math.abs(gCoef[j * k + c]!) < 1e-4 * n, `coef gradient ${gCoef[j * k + c]}`);
  }
  const P = predictLogistic(X, n, d, model);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < k; c++) s += P[i * k + c]!;
    assert.ok(Math.abs(s - 1) < 1e-12);
  }
});

test('fitLogistic binary (diabetes) matches a direct L-BFGS on the sigmoid objective; column 0 is the zero reference', () => {
  const { X, n, d, y } = design('diabetes');
  const l2 = 2;
  const model = fitLogistic(X, n, d, y, 2, { l2, tol: 1e-9 });
  for (let j = 0; j < d; j++) assert.equal(model.coef[j * 2], 0);
  assert.equal(model.intercept[0], 0);
  // Independent reference: the same objective written out and minimized from zero.
  const reference = minimizeLbfgs(
    (p, g) => {
      g.fill(0);
      let f = 0;
      for (let i = 0; i < n; i++) {
        let z = p[d]!;
        for (let j = 0; j < d; j++) z += X[i * d + j]! * p[j]!;
        f += Math.log1p(Math.exp(-Math.abs(z))) + Math.max(z, 0) - (y[i] === 1 ? z : 0);
        const r = 1 / (1 + Math.exp(-z)) - (y[i] === 1 ? 1 : 0);
        for (let j = 0; j < d; j++) g[j] += r * X[i * d + j]!;
        g[d] += r;
      }
      for (let j = 0; j < d; j++) {
        f += 0.5 * l2 * p[j]! ** 2;
        g[j] += l2 * p[j]!;
      }
      return f;
    },
    new Float64Array(d + 1),
    { tol: 1e-7, maxIter: 5000 },
  );
  for (let j = 0; j < d; j++) assert.ok(Math.abs(model.coef[j * 2 + 1]! - reference.x[j]!) < 1e-4);
  assert.ok(Math.abs(model.intercept[1]! - reference.x[d]!) < 1e-4);
});

test('fitLogistic nonNegative satisfies the KKT conditions (coef >= 0, zero gradient where positive, >= 0 at the bound)', () => {
  const { X, n, d, y, k } = design('vehicle');
  const l2 = 1;
  const model = fitLogistic(X, n, d, y, k, { l2, nonNegative: true, tol: 1e-9, maxIter: 3000 });
  const { gCoef, gIntercept } = logisticGradient(X, n, d, y, k, l2, model.coef, model.intercept);
  let atBound = 0;
  for (let t = 0; t < d * k; t++) {
    assert.ok(model.coef[t]! >= 0);
    if (model.coef[t]! > 0) assert.ok(Math.abs(gCoef[t]!) < 1e-3 * n, `free gradient ${gCoef[t]}`);
    else {
      atBound++;
      assert.ok(gCoef[t]! > -1e-3 * n, `bound gradient ${gCoef[t]}`);
    }
  }
  assert.ok(atBound > 0, 'the constraint should bind somewhere on vehicle');
  for (let c = 0; c < k; c++) assert.ok(Math.abs(gIntercept[c]!) < 1e-3 * n);
});

test('fitLogistic sample weights equal duplicated rows; one present class gets probability 1', () => {
  const { X, n, d, y, k } = design('iris');
  const w = Float64Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 3 : 1));
  const rows: number[] = [];
  for (let i = 0; i < n; i++) for (let r = 0; r < w[i]!; r++) rows.push(i);
  const weighted = fitLogistic(X, n, d, y, k, { l2: 1, sampleWeight: w, tol: 1e-10, maxIter: 3000 });
  const dup = fitLogistic(
    Float64Array.from(rows.flatMap((i) => Array.from(X.subarray(i * d, (i + 1) * d)))),
    rows.length,
    d,
    Int32Array.from(rows, (i) => y[i]!),
    k,
    { l2: 1, tol: 1e-10, maxIter: 3000 },
  );
  const pw = predictLogistic(X, n, d, weighted);
  const pd = predictLogistic(X, n, d, dup);
  for (let t = 0; t < pw.length; t++) assert.ok(Math.abs(pw[t]! - pd[t]!) < 1e-5);

  const single = fitLogistic(X.subarray(0, 10 * d), 10, d, new Int32Array(10).fill(2), 3, { l2: 1 });
  const p = predictLogistic(X, 5, d, single);
  for (let i = 0; i < 5; i++) assert.deepEqual(Array.from(p.subarray(i * 3, i * 3 + 3)), [0, 0, 1]);
});

test('fitLogistic and fitRidge reject bad shapes and labels', () => {
  assert.throws(() => fitLogistic(new Float64Array(4), 2, 2, Int32Array.from([0, 3]), 2, { l2: 1 }), /label 3/);
  assert.throws(() => fitLogistic(new Float64Array(4), 2, 2, Int32Array.from([0, 1]), 2, { l2: -1 }), /l2/);
  assert.throws(() => fitRidge(new Float64Array(3), 2, 2, new Float64Array(2), 1, 1), /X has 3 values/);
});

test('fitLogistic warm starts: a start at the optimum is kept, a start from a neighbouring l2 reaches the same optimum', () => {
  for (const name of ['glass', 'diabetes']) {
    const { X, n, d, y, k } = design(name);
    const options = { tol: 1e-7, maxIter: 3000 };
    const cold = fitLogistic(X, n, d, y, k, { ...options, l2: 0.1 });
    // Started at its own optimum, L-BFGS stops at once: the warm start really is where it starts.
    const again = fitLogistic(X, n, d, y, k, { ...options, l2: 0.1, warmStart: cold });
    assert.deepEqual(again.coef, cold.coef, `${name}: a start at the optimum stays there`);
    // From the l2 = 10 solution (the previous step of a regularization path) to the same l2 = 0.1 optimum.
    const strong = fitLogistic(X, n, d, y, k, { ...options, l2: 10 });
    const warm = fitLogistic(X, n, d, y, k, { ...options, l2: 0.1, warmStart: strong });
    const Pc = predictLogistic(X, n, d, cold);
    const Pw = predictLogistic(X, n, d, warm);
    let worst = 0;
    for (let t = 0; t < Pc.length; t++) worst = Math.max(worst, Math.abs(Pc[t]! - Pw[t]!));
    assert.ok(worst < 1e-3, `${name}: warm and cold probabilities differ by up to ${worst}`);
  }
  const { X, n, d, y, k } = design('glass');
  assert.throws(
    () => fitLogistic(X, n, d, y, k, { l2: 1, warmStart: { coef: new Float64Array(3), intercept: new Float64Array(k) } }),
    /warmStart has 3 coefficients/,
  );
});

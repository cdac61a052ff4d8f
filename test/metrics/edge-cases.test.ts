// Metric behaviour beyond the reference file: ties, constant predictions, bad input, registry errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultMetric, getMetric, metricNames, metricsForTask } from '../../src/metrics/index.js';
import { ConfigError, DataError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/random.js';

/** Pairwise definition of binary AUC: P(score_pos > score_neg) + 1/2 P(equal). O(n^2), for checking. */
function pairwiseAuc(y: Int32Array, scores: Float64Array, positive: number): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== positive) continue;
    for (let j = 0; j < y.length; j++) {
      if (y[j] === positive) continue;
      pairs++;
      if (scores[i]! > scores[j]!) sum += 1;
      else if (scores[i] === scores[j]) sum += 0.5;
    }
  }
  return sum / pairs;
}

function binaryProba(scores: Float64Array): Float64Array {
  const pred = new Float64Array(scores.length * 2);
  scores.forEach((s, i) => {
    pred[2 * i] = 1 - s;
    pred[2 * i + 1] = s;
  });
  return pred;
}

test('binary AUC with heavy ties equals the pairwise (midrank) definition', () => {
  const rng = new Rng(7);
  const auc = getMetric('roc_auc');
  for (let trial = 0; trial < 20; trial++) {
    const n = 50 + rng.int(150);
    const y = new Int32Array(n);
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = rng.next() < 0.4 ? 1 : 0;
      // Only 5 distinct score levels, loosely correlated with y: many ties within and across classes.
      scores[i] = Math.min(4, Math.floor(rng.next() * 4 + y[i]! * 1.2)) / 4;
    }
    y[0] = 0;
    y[1] = 1;
    assert.ok(Math.abs(auc.score(y, binaryProba(scores), 2) - pairwiseAuc(y, scores, 1)) < 1e-12);
  }
});

test('multiclass AUC is the mean of one-vs-rest pairwise AUCs', () => {
  const rng = new Rng(11);
  const n = 120;
  const k = 4;
  const y = new Int32Array(n);
  const pred = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    y[i] = i % k;
    for (let j = 0; j < k; j++) pred[i * k + j] = Math.round(rng.next() * 5 + (j === y[i] ? 2 : 0));
  }
  let expected = 0;
  for (let c = 0; c < k; c++) {
    const column = Float64Array.from({ length: n }, (_, i) => pred[i * k + c]!);
    expected += pairwiseAuc(y, column, c) / k;
  }
  assert.ok(Math.abs(getMetric('roc_auc').score(y, pred, k) - expected) < 1e-12);
});

test('constant predictions: AUC 0.5, accuracy = share of class 0, log loss = -log(0.5)', () => {
  const y = Int32Array.from([0, 1, 1, 0, 1, 0, 0]);
  const pred = new Float64Array(14).fill(0.5);
  assert.equal(getMetric('roc_auc').score(y, pred, 2), 0.5);
  // The argmax tie goes to the lower class index, 0.
  assert.equal(getMetric('accuracy').score(y, pred, 2), 4 / 7);
  assert.equal(getMetric('f1').score(y, pred, 2), 0);
  assert.equal(getMetric('balanced_accuracy').score(y, pred, 2), 0.5);
  assert.ok(Math.abs(getMetric('log_loss').score(y, pred, 2) - Math.log(2)) < 1e-15);
});

test('perfect and reversed rankings give AUC 1 and 0', () => {
  const y = Int32Array.from([0, 0, 1, 1]);
  const scores = Float64Array.from([0.1, 0.2, 0.8, 0.9]);
  assert.equal(getMetric('roc_auc').score(y, binaryProba(scores), 2), 1);
  assert.equal(getMetric('roc_auc').score(y, binaryProba(scores.map((s) => 1 - s)), 2), 0);
});

test('AUC on a single-class y is a clear error', () => {
  const y = Int32Array.from([1, 1, 1]);
  assert.throws(() => getMetric('roc_auc').score(y, binaryProba(Float64Array.from([0.2, 0.5, 0.9])), 2), (e: Error) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /only one class/);
    return true;
  });
  const pred3 = new Float64Array(9).fill(1 / 3);
  assert.throws(() => getMetric('roc_auc').score(Int32Array.from([2, 2, 2]), pred3, 3), /only one class/);
});

test('multiclass AUC leaves out classes absent from y', () => {
  // Class 2 never occurs; the result is the mean of the AUCs for classes 0 and 1.
  const y = Int32Array.from([0, 1, 0, 1]);
  const pred = Float64Array.from([0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.6, 0.3, 0.1, 0.5, 0.4, 0.1]);
  assert.equal(getMetric('roc_auc').score(y, pred, 3), 1);
});

test('log loss clips zero probabilities at 1e-15 and renormalises rows', () => {
  const y = Int32Array.from([0, 1]);
  const zero = Float64Array.from([0, 1, 1, 0]);
  const expected = -Math.log(1e-15 / (1 + 1e-15));
  assert.ok(Math.abs(getMetric('log_loss').score(y, zero, 2) - expected) < 1e-9);
  // Rows scaled by 1/2 are renormalised: the same loss as the unscaled rows.
  const rows = Float64Array.from([0.6, 0.4, 0.3, 0.7]);
  const halved = rows.map((v) => v / 2);
  const logLoss = getMetric('log_loss');
  assert.ok(Math.abs(logLoss.score(y, rows, 2) - logLoss.score(y, halved, 2)) < 1e-15);
  assert.ok(Math.abs(logLoss.score(y, rows, 2) - -(Math.log(0.6) + Math.log(0.7)) / 2) < 1e-15);
});

test('argmax ties go to the lower class index', () => {
  const y = Int32Array.from([1, 2]);
  const pred = Float64Array.from([0.2, 0.4, 0.4, 0.1, 0.45, 0.45]);
  assert.equal(getMetric('accuracy').score(y, pred, 3), 0.5);
});

test('f1 and f1_macro follow scikit-learn on a small hand-checked case', () => {
  // y     = 0 0 1 1 1 2 ; predicted = 0 1 1 1 2 2
  const y = Int32Array.from([0, 0, 1, 1, 1, 2]);
  const predicted = [0, 1, 1, 1, 2, 2];
  const pred = new Float64Array(18);
  predicted.forEach((p, i) => (pred[i * 3 + p] = 1));
  // class 0: tp 1 fp 0 fn 1 -> 2/3; class 1: tp 2 fp 1 fn 1 -> 4/6; class 2: tp 1 fp 1 fn 0 -> 2/3.
  assert.ok(Math.abs(getMetric('f1_macro').score(y, pred, 3) - 2 / 3) < 1e-15);
  assert.ok(Math.abs(getMetric('balanced_accuracy').score(y, pred, 3) - (1 / 2 + 2 / 3 + 1) / 3) < 1e-15);
});

test('r2 of a constant target is 1 for exact predictions and 0 otherwise', () => {
  const y = Float64Array.from([3, 3, 3]);
  assert.equal(getMetric('r2').score(y, Float64Array.from([3, 3, 3]), 1), 1);
  assert.equal(getMetric('r2').score(y, Float64Array.from([3, 4, 3]), 1), 0);
  assert.equal(getMetric('rmse').score(y, Float64Array.from([3, 4, 3]), 1), Math.sqrt(1 / 3));
});

test('bad shapes, labels and NaN predictions are DataErrors', () => {
  const y = Int32Array.from([0, 1]);
  assert.throws(() => getMetric('accuracy').score(y, new Float64Array(3), 2), DataError);
  assert.throws(() => getMetric('accuracy').score(Int32Array.from([0, 2]), new Float64Array(4), 2), /not a class code/);
  assert.throws(() => getMetric('log_loss').score(y, Float64Array.from([NaN, 1, 0.5, 0.5]), 2), /NaN/);
  assert.throws(() => getMetric('accuracy').score(y, Float64Array.from([0.5, NaN, 0.5, 0.5]), 2), /NaN/);
  assert.throws(() => getMetric('rmse').score(Float64Array.from([1]), Float64Array.from([NaN]), 1), /NaN/);
  assert.throws(() => getMetric('rmse').score(Float64Array.from([1, 2]), new Float64Array(4), 2), DataError);
  assert.throws(() => getMetric('f1').score(Int32Array.from([0]), new Float64Array(3), 3), /use f1_macro/);
  assert.throws(() => getMetric('accuracy').score(new Int32Array(0), new Float64Array(0), 2), /no rows/);
});

test('metrics never modify their inputs', () => {
  const y = Int32Array.from([0, 1, 1, 0]);
  const pred = Float64Array.from([0, 1, 0.3, 0.7, 2, 0, 0.5, 0.5]);
  const before = Float64Array.from(pred);
  for (const metric of metricsForTask('binary')) metric.score(y, pred, 2);
  assert.deepEqual(pred, before);
  assert.deepEqual(y, Int32Array.from([0, 1, 1, 0]));
});

test('registry: defaults, orientation, tasks and errors naming valid choices', () => {
  assert.equal(defaultMetric('binary').name, 'roc_auc');
  assert.equal(defaultMetric('multiclass').name, 'log_loss');
  assert.equal(defaultMetric('regression').name, 'rmse');
  assert.deepEqual(metricNames().sort(), ['accuracy', 'balanced_accuracy', 'f1', 'f1_macro', 'log_loss', 'mae', 'r2', 'rmse', 'roc_auc']);
  assert.deepEqual(metricsForTask('multiclass').map((m) => m.name), ['accuracy', 'balanced_accuracy', 'f1_macro', 'log_loss', 'roc_auc']);
  assert.deepEqual(metricsForTask('regression').map((m) => m.name), ['rmse', 'mae', 'r2']);
  for (const name of metricNames()) {
    const metric = getMetric(name);
    assert.equal(metric.higherIsBetter, !['log_loss', 'rmse', 'mae'].includes(name));
  }
  assert.throws(() => getMetric('auc'), (e: Error) => e instanceof ConfigError && /roc_auc/.test(e.message));
  assert.throws(() => getMetric('rmse', 'binary'), (e: Error) => e instanceof ConfigError && /valid metrics for binary: .*roc_auc/.test(e.message));
  assert.throws(() => getMetric('f1', 'multiclass'), /f1_macro/);
  assert.throws(() => metricsForTask('ranking' as never), ConfigError);
});

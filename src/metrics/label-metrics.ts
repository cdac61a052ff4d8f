/**
 * Metrics on predicted labels (argmax of each probability row, ties to the lower class index):
 * accuracy, balanced accuracy, F1 (binary, positive class = index 1) and macro F1.
 * Definitions follow scikit-learn 1.2 (see docs/metrics.md).
 */
import { DataError } from '../util/errors.js';
import type { Labels, Predictions } from './types.js';
import { argmaxRow, badLabel, checkClassWidth, checkShape, isClassCode } from './validate.js';

/** Fraction of rows whose predicted class equals the label. */
export function accuracy(y: Labels, pred: Predictions, k: number): number {
  const n = checkShape('accuracy', y, pred, k);
  checkClassWidth('accuracy', k);
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const c = y[i]!;
    if (!isClassCode(c, k)) throw badLabel('accuracy', y, i, k);
    if (argmaxRow('accuracy', pred, i, k) === c) correct++;
  }
  return correct / n;
}

/**
 * Per-class counts: true[c] rows labelled c, predicted[c] rows predicted c, hit[c] rows both.
 * One pass, three k-length arrays.
 */
function classCounts(
  metric: string,
  y: Labels,
  pred: Predictions,
  k: number,
): { truth: Int32Array; predicted: Int32Array; hit: Int32Array } {
  const n = checkShape(metric, y, pred, k);
  checkClassWidth(metric, k);
  const truth = new Int32Array(k);
  const predicted = new Int32Array(k);
  const hit = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    const c = y[i]!;
    if (!isClassCode(c, k)) throw badLabel(metric, y, i, k);
    const p = argmaxRow(metric, pred, i, k);
    truth[c]!++;
    predicted[p]!++;
    if (p === c) hit[c]!++;
  }
  return { truth, predicted, hit };
}

/** Mean recall over the classes present in y (scikit-learn drops classes with no true rows). */
export function balancedAccuracy(y: Labels, pred: Predictions, k: number): number {
  const { truth, hit } = classCounts('balanced_accuracy', y, pred, k);
  return balancedAccuracyFromCounts(truth, hit, k);
}

/** Mean recall over the classes present in y, from per-class row counts and correct-prediction counts. */
export function balancedAccuracyFromCounts(truth: ArrayLike<number>, hit: ArrayLike<number>, k: number): number {
  let sum = 0;
  let present = 0;
  for (let c = 0; c < k; c++) {
    if (truth[c]! > 0) {
      sum += hit[c]! / truth[c]!;
      present++;
    }
  }
  return sum / present;
}

/** F1 of one class: 2 TP / (2 TP + FP + FN), 0 when the class is neither present nor predicted. */
function classF1(truth: number, predicted: number, hit: number): number {
  const denominator = truth + predicted;
  return denominator === 0 ? 0 : (2 * hit) / denominator;
}

/** F1 of the positive class (index 1) of a binary problem. */
export function f1Binary(y: Labels, pred: Predictions, k: number): number {
  if (k !== 2) throw new DataError(`f1: binary F1 needs k = 2 prediction columns, got ${k}; use f1_macro`);
  const { truth, predicted, hit } = classCounts('f1', y, pred, k);
  return classF1(truth[1]!, predicted[1]!, hit[1]!);
}

/** Unweighted mean of per-class F1 over the classes present in y or in the predictions (as scikit-learn). */
export function f1Macro(y: Labels, pred: Predictions, k: number): number {
  const { truth, predicted, hit } = classCounts('f1_macro', y, pred, k);
  let sum = 0;
  let present = 0;
  for (let c = 0; c < k; c++) {
    if (truth[c]! > 0 || predicted[c]! > 0) {
      sum += classF1(truth[c]!, predicted[c]!, hit[c]!);
      present++;
    }
  }
  return sum / present;
}

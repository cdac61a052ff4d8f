import { DataError } from '../util/errors.js';
import type { Labels, Predictions } from './types.js';

/**
 * Shape checks shared by every metric: O(1) except the label scan, which is one pass over n integers.
 * Metrics run inside ensemble-selection loops, so the checks stay cheap and allocate nothing.
 */
export function checkShape(metric: string, y: Labels, pred: Predictions, k: number): number {
  const n = y.length;
  if (!Number.isInteger(k) || k < 1) throw new DataError(`${metric}: k must be a positive integer, got ${k}`);
  if (n === 0) throw new DataError(`${metric}: no rows to score`);
  if (pred.length !== n * k) {
    throw new DataError(`${metric}: predictions have ${pred.length} values, expected n x k = ${n} x ${k} = ${n * k}`);
  }
  return n;
}

/** Checks that classification predictions have at least two columns. */
export function checkClassWidth(metric: string, k: number): void {
  if (k < 2) throw new DataError(`${metric}: classification needs k >= 2 prediction columns, got ${k}`);
}

/** True when c is a class code in 0..k-1. Metrics test each label in their main loop (no extra pass). */
export function isClassCode(c: number, k: number): boolean {
  return c >= 0 && c < k && (c | 0) === c;
}

export function badLabel(metric: string, y: Labels, i: number, k: number): DataError {
  return new DataError(`${metric}: label ${y[i]} at row ${i} is not a class code in 0..${k - 1}`);
}

/** Checks that every label is a class code in 0..k-1 (for metrics whose main loop cannot do it). */
export function checkClassLabels(metric: string, y: Labels, k: number): void {
  checkClassWidth(metric, k);
  for (let i = 0; i < y.length; i++) if (!isClassCode(y[i]!, k)) throw badLabel(metric, y, i, k);
}

/** Checks regression inputs: one prediction column, finite labels. */
export function checkRegression(metric: string, y: Labels, k: number): void {
  if (k !== 1) throw new DataError(`${metric}: regression predictions have k = 1 column, got ${k}`);
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i]!)) throw new DataError(`${metric}: target value ${y[i]} at row ${i} is not finite`);
  }
}

export function nanPrediction(metric: string, row: number): DataError {
  return new DataError(`${metric}: prediction at row ${row} is NaN`);
}

/**
 * Predicted class of row i: the argmax of its k values, ties to the lower class index.
 * Throws on NaN so a broken member never scores silently.
 */
export function argmaxRow(metric: string, pred: Predictions, i: number, k: number): number {
  const base = i * k;
  let best = 0;
  let bestValue = pred[base]!;
  if (bestValue !== bestValue) throw nanPrediction(metric, i);
  for (let j = 1; j < k; j++) {
    const v = pred[base + j]!;
    if (v > bestValue) {
      bestValue = v;
      best = j;
    } else if (v !== v) {
      throw nanPrediction(metric, i);
    }
  }
  return best;
}

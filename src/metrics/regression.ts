/** Regression metrics on k = 1 predictions: RMSE, MAE and R² (scikit-learn definitions). */
import type { Labels, Predictions } from './types.js';
import { checkRegression, checkShape, nanPrediction } from './validate.js';

function check(metric: string, y: Labels, pred: Predictions, k: number): number {
  const n = checkShape(metric, y, pred, k);
  checkRegression(metric, y, k);
  return n;
}

/** Root mean squared error. */
export function rmse(y: Labels, pred: Predictions, k: number): number {
  const n = check('rmse', y, pred, k);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = pred[i]!;
    if (p !== p) throw nanPrediction('rmse', i);
    const d = y[i]! - p;
    sum += d * d;
  }
  return Math.sqrt(sum / n);
}

/** Mean absolute error. */
export function mae(y: Labels, pred: Predictions, k: number): number {
  const n = check('mae', y, pred, k);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = pred[i]!;
    if (p !== p) throw nanPrediction('mae', i);
    sum += Math.abs(y[i]! - p);
  }
  return sum / n;
}

/**
 * Coefficient of determination 1 - SS_res / SS_tot. For a constant y (SS_tot = 0) it is 1 when the predictions
 * are exact and 0 otherwise, as scikit-learn's force_finite default.
 */
export function r2(y: Labels, pred: Predictions, k: number): number {
  const n = check('r2', y, pred, k);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i]!;
  mean /= n;
  let residual = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const p = pred[i]!;
    if (p !== p) throw nanPrediction('r2', i);
    const d = y[i]! - p;
    const t = y[i]! - mean;
    residual += d * d;
    total += t * t;
  }
  if (total === 0) return residual === 0 ? 1 : 0;
  return 1 - residual / total;
}

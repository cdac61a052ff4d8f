/**
 * Log loss (cross-entropy) as scikit-learn 1.2 computes it: every probability is clipped to [eps, 1 - eps]
 * with eps = 1e-15 (so tiny negative values from floating-point
 * arithmetic count as eps, as in scikit-learn), each row is renormalised to sum 1, and the loss is the mean of -log p(true class).
 * Only the true-class entry and the row sum are needed, so nothing n x k is allocated.
 */
import type { Labels, Predictions } from './types.js';
import { badLabel, checkClassWidth, checkShape, isClassCode, nanPrediction } from './validate.js';

export const LOG_LOSS_EPS = 1e-15;

export function logLoss(y: Labels, pred: Predictions, k: number): number {
  const n = checkShape('log_loss', y, pred, k);
  checkClassWidth('log_loss', k);
  const low = LOG_LOSS_EPS;
  const high = 1 - LOG_LOSS_EPS;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const base = i * k;
    let rowSum = 0;
    for (let j = 0; j < k; j++) {
      const v = pred[base + j]!;
      if (v !== v) throw nanPrediction('log_loss', i);
      rowSum += v < low ? low : v > high ? high : v;
    }
    const c = y[i]!;
    if (!isClassCode(c, k)) throw badLabel('log_loss', y, i, k);
    const p = pred[base + c]!;
    const clipped = p < low ? low : p > high ? high : p;
    total -= Math.log(clipped / rowSum);
  }
  return total / n;
}

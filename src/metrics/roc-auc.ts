/**
 * Area under the ROC curve.
 * - Binary: the score of row i is pred[i * k + 1] (probability of class index 1). Ties count one half, which
 *   equals the midrank (Mann-Whitney U) formula and scikit-learn's trapezoidal curve.
 * - Multiclass: one-vs-rest AUC of each class's column, unweighted mean (scikit-learn's multi_class='ovr',
 *   average='macro'). A class with no rows in y has no defined AUC and is left out of the mean (scikit-learn
 *   raises instead); at least one class must be present alongside others.
 * Scores are used as given (no renormalisation). Work: two native Float64Array sorts per class, no comparator.
 */
import { DataError } from '../util/errors.js';
import type { Labels, Predictions } from './types.js';
import { checkClassLabels, checkShape, nanPrediction } from './validate.js';

/**
 * AUC of column `column` of pred for "y === positiveClass" vs the rest, or NaN when one side is empty.
 * Splits the scores into positives and negatives, sorts both natively, then counts in one merge pass:
 * AUC = sum over positives of (#negatives below + 1/2 #negatives equal) / (P N).
 */
function columnAuc(y: Labels, pred: Predictions, k: number, column: number, positiveClass: number): number {
  const n = y.length;
  let nPositive = 0;
  for (let i = 0; i < n; i++) if (y[i] === positiveClass) nPositive++;
  const nNegative = n - nPositive;
  if (nPositive === 0 || nNegative === 0) return NaN;
  const positives = new Float64Array(nPositive);
  const negatives = new Float64Array(nNegative);
  let p = 0;
  let q = 0;
  for (let i = 0; i < n; i++) {
    const s = pred[i * k + column]!;
    if (s !== s) throw nanPrediction('roc_auc', i);
    if (y[i] === positiveClass) positives[p++] = s;
    else negatives[q++] = s;
  }
  positives.sort();
  negatives.sort();
  // For each run of equal positive scores, count negatives strictly below and equal to it.
  let below = 0;
  let sum = 0;
  let i = 0;
  while (i < nPositive) {
    const s = positives[i]!;
    let run = 1;
    while (i + run < nPositive && positives[i + run] === s) run++;
    while (below < nNegative && negatives[below]! < s) below++;
    let equal = 0;
    while (below + equal < nNegative && negatives[below + equal] === s) equal++;
    sum += run * (below + equal / 2);
    i += run;
  }
  return sum / nPositive / nNegative;
}

export function rocAuc(y: Labels, pred: Predictions, k: number): number {
  checkShape('roc_auc', y, pred, k);
  checkClassLabels('roc_auc', y, k);
  if (k === 2) {
    const auc = columnAuc(y, pred, k, 1, 1);
    if (Number.isNaN(auc)) {
      throw new DataError('roc_auc: y holds only one class; AUC needs both classes present');
    }
    return auc;
  }
  let sum = 0;
  let defined = 0;
  for (let c = 0; c < k; c++) {
    const auc = columnAuc(y, pred, k, c, c);
    if (!Number.isNaN(auc)) {
      sum += auc;
      defined++;
    }
  }
  if (defined === 0) throw new DataError('roc_auc: y holds only one class; AUC needs at least two classes present');
  return sum / defined;
}

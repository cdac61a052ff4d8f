import type { Task } from '../data/dataset.js';

export type MetricName =
  | 'accuracy'
  | 'balanced_accuracy'
  | 'f1'
  | 'f1_macro'
  | 'log_loss'
  | 'roc_auc'
  | 'rmse'
  | 'mae'
  | 'r2';

/** Labels: class codes (0..k-1) for classification, target values for regression. */
export type Labels = Int32Array | Float64Array;

/** Row-major n x k predictions: class probabilities (k = classes) or regression values (k = 1). */
export type Predictions = Float64Array | Float32Array;

/**
 * A scoring rule.
 *
 * Contract:
 * - `score(y, pred, k)` is the metric as users read it (accuracy in [0, 1], RMSE in target units, ...).
 * - `loss(y, pred, k)` is the same rule oriented lower-is-better (loss = -score when higher is better), for
 *   every minimizer in the system (ensemble selection, search).
 * - Classification metrics take probabilities; label metrics use the argmax of each row, ties to the lower class.
 * - Pure functions of their inputs; they never modify `y` or `pred`.
 */
export interface Metric {
  readonly name: MetricName;
  /** Tasks this metric applies to. */
  readonly tasks: readonly Task[];
  readonly higherIsBetter: boolean;
  score(y: Labels, pred: Predictions, k: number): number;
  loss(y: Labels, pred: Predictions, k: number): number;
}

/**
 * Scores of one prediction on a test fold, in the result file's columns: the AMLB main metric per task (auc for
 * binary, neg_logloss for multiclass, neg_rmse for regression; `result` is higher-is-better) plus every other
 * metric column that applies.
 */
import type { Task } from '../data/dataset.js';
import { getMetric } from '../metrics/index.js';
import type { Labels, MetricName, Predictions } from '../metrics/types.js';
import type { ResultRow } from './results-csv.js';

/** The AMLB name of each task's main metric, the metric behind it and the sign turning it into `result`. */
export const MAIN_METRIC: Readonly<Record<Task, { readonly name: string; readonly metric: MetricName; readonly sign: 1 | -1 }>> = {
  binary: { name: 'auc', metric: 'roc_auc', sign: 1 },
  multiclass: { name: 'neg_logloss', metric: 'log_loss', sign: -1 },
  regression: { name: 'neg_rmse', metric: 'rmse', sign: -1 },
};

const COLUMN_METRICS: Readonly<Record<Task, readonly (readonly [keyof ResultRow, MetricName])[]>> = {
  binary: [
    ['acc', 'accuracy'],
    ['auc', 'roc_auc'],
    ['balacc', 'balanced_accuracy'],
    ['logloss', 'log_loss'],
  ],
  multiclass: [
    ['acc', 'accuracy'],
    ['auc', 'roc_auc'],
    ['balacc', 'balanced_accuracy'],
    ['logloss', 'log_loss'],
  ],
  regression: [
    ['mae', 'mae'],
    ['r2', 'r2'],
    ['rmse', 'rmse'],
  ],
};

export type ScoreColumns = Pick<ResultRow, 'result' | 'metric' | 'acc' | 'auc' | 'balacc' | 'logloss' | 'mae' | 'r2' | 'rmse'>;

/**
 * Every metric column for predictions `pred` (row-major n x k) of labels `y`. The main metric must be defined
 * (it throws otherwise, e.g. a NaN prediction); a secondary one that is undefined on this fold (multiclass AUC
 * with a single class present) is left empty.
 */
export function scorePredictions(task: Task, y: Labels, pred: Predictions, k: number): ScoreColumns {
  const main = MAIN_METRIC[task];
  const out: Record<string, string | number | undefined> = {
    metric: main.name,
    result: main.sign * getMetric(main.metric).score(y, pred, k),
  };
  for (const [column, name] of COLUMN_METRICS[task]) {
    try {
      const value = getMetric(name).score(y, pred, k);
      out[column] = Number.isFinite(value) ? value : undefined;
    } catch {
      out[column] = undefined;
    }
  }
  return out as ScoreColumns;
}

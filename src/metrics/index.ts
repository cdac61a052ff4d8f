/**
 * The metric registry: one plain map from name to Metric, plus the per-task defaults of the AutoML Benchmark
 * (roc_auc for binary, log_loss for multiclass, rmse for regression).
 */
import type { Task } from '../data/dataset.js';
import { ConfigError } from '../util/errors.js';
import { accuracy, balancedAccuracy, f1Binary, f1Macro } from './label-metrics.js';
import { logLoss } from './log-loss.js';
import { mae, r2, rmse } from './regression.js';
import { rocAuc } from './roc-auc.js';
import type { Labels, Metric, MetricName, Predictions } from './types.js';

export type { Labels, Metric, MetricName, Predictions } from './types.js';
export { LOG_LOSS_EPS } from './log-loss.js';

type ScoreFn = (y: Labels, pred: Predictions, k: number) => number;

const CLASSIFICATION: readonly Task[] = ['binary', 'multiclass'];
const REGRESSION: readonly Task[] = ['regression'];

function defineMetric(name: MetricName, tasks: readonly Task[], higherIsBetter: boolean, score: ScoreFn): Metric {
  const loss: ScoreFn = higherIsBetter ? (y, pred, k) => -score(y, pred, k) : score;
  return Object.freeze({ name, tasks: Object.freeze([...tasks]), higherIsBetter, score, loss });
}

const METRICS: ReadonlyMap<MetricName, Metric> = new Map<MetricName, Metric>([
  ['accuracy', defineMetric('accuracy', CLASSIFICATION, true, accuracy)],
  ['balanced_accuracy', defineMetric('balanced_accuracy', CLASSIFICATION, true, balancedAccuracy)],
  ['f1', defineMetric('f1', ['binary'], true, f1Binary)],
  ['f1_macro', defineMetric('f1_macro', CLASSIFICATION, true, f1Macro)],
  ['log_loss', defineMetric('log_loss', CLASSIFICATION, false, logLoss)],
  ['roc_auc', defineMetric('roc_auc', CLASSIFICATION, true, rocAuc)],
  ['rmse', defineMetric('rmse', REGRESSION, false, rmse)],
  ['mae', defineMetric('mae', REGRESSION, false, mae)],
  ['r2', defineMetric('r2', REGRESSION, true, r2)],
]);

const DEFAULTS: Readonly<Record<Task, MetricName>> = {
  binary: 'roc_auc',
  multiclass: 'log_loss',
  regression: 'rmse',
};

/** All metric names, in registry order. */
export function metricNames(): MetricName[] {
  return [...METRICS.keys()];
}

export function isMetricName(name: string): name is MetricName {
  return METRICS.has(name as MetricName);
}

/**
 * The metric called `name`. With `task`, also checks that the metric applies to it.
 * Throws ConfigError naming the valid choices for an unknown name or a metric of the wrong task.
 */
export function getMetric(name: MetricName | string, task?: Task): Metric {
  const metric = METRICS.get(name as MetricName);
  if (metric === undefined) {
    const valid = task === undefined ? metricNames() : metricsForTask(task).map((m) => m.name);
    throw new ConfigError(`unknown metric '${name}'; valid metrics${task ? ` for ${task}` : ''}: ${valid.join(', ')}`);
  }
  if (task !== undefined && !metric.tasks.includes(task)) {
    const valid = metricsForTask(task).map((m) => m.name);
    throw new ConfigError(`metric '${name}' does not apply to ${task} tasks; valid metrics for ${task}: ${valid.join(', ')}`);
  }
  return metric;
}

/** The AutoML Benchmark default: roc_auc (binary), log_loss (multiclass), rmse (regression). */
export function defaultMetric(task: Task): Metric {
  checkTask(task);
  return METRICS.get(DEFAULTS[task])!;
}

/** Every metric that applies to `task`, in registry order. */
export function metricsForTask(task: Task): Metric[] {
  checkTask(task);
  return [...METRICS.values()].filter((m) => m.tasks.includes(task));
}

function checkTask(task: Task): void {
  if (!Object.hasOwn(DEFAULTS, task)) {
    throw new ConfigError(`unknown task '${String(task)}'; valid tasks: binary, multiclass, regression`);
  }
}

/**
 * Fold-level racing: a trial whose first folds are clearly worse than the best trial so far is stopped there
 * ("pruned") and its remaining time goes back to the search.
 *
 * Every trial of a run is fitted on the same folds, so after f folds a candidate can be compared with the
 * incumbent (the trial with the lowest validation loss when the candidate started) on exactly the same held-out
 * rows. The bound is relative to how much the incumbent improves on the constant predictor over those folds:
 *
 *   prune when  mean(candidate fold losses) > mean(incumbent) + gap x (mean(constant) - mean(incumbent))
 *
 * With the default gap of 0.5, a pruned trial has recovered less than half of the incumbent's improvement over
 * predicting the class frequencies (or the mean). Such members practically never receive weight in a
 * post hoc ensemble (docs/search.md gives the measurement), so finishing their folds buys nothing.
 */
import type { Labels, Metric } from '../metrics/types.js';

/** What a trial races against: sent with the trial to the worker. */
export interface PruneRule {
  /** Trial number of the incumbent (for the stored reason). */
  readonly incumbent: number;
  /** The incumbent's validation loss on each fold, in fold order. */
  readonly against: readonly number[];
  /** Fraction of the incumbent's gain over the constant predictor a candidate may lose (default 0.5). */
  readonly gap: number;
  /** Folds a candidate always finishes before it can be pruned (>= 1). */
  readonly minFolds: number;
}

/** Default `gap` of the racing bound (see the module comment). */
export const DEFAULT_PRUNE_GAP = 0.5;

/** Loss of `predictions` (row-major rows x k) on the labels of `rows`. */
export function foldLoss(metric: Metric, labels: Labels, rows: Int32Array, predictions: Float64Array, k: number): number {
  return metric.loss(selectLabels(labels, rows), predictions, k);
}

/**
 * Loss on `testRows` of the constant predictor fitted on `trainRows`: the training class frequencies on every
 * row (classification) or the training mean (regression, k = 1).
 */
export function constantFoldLoss(metric: Metric, labels: Labels, trainRows: Int32Array, testRows: Int32Array, k: number): number {
  const constant = new Float64Array(k);
  if (k === 1) {
    for (const r of trainRows) constant[0]! += labels[r]! / trainRows.length;
  } else {
    for (const r of trainRows) constant[labels[r]!]! += 1 / trainRows.length;
  }
  const predictions = new Float64Array(testRows.length * k);
  for (let i = 0; i < testRows.length; i++) predictions.set(constant, i * k);
  return foldLoss(metric, labels, testRows, predictions, k);
}

/**
 * The reason to stop a candidate after the folds in `candidate` (its fold losses so far), or null to go on.
 * `constant` holds the constant predictor's loss on every fold.
 */
export function pruneReason(rule: PruneRule, candidate: readonly number[], constant: readonly number[], totalFolds: number): string | null {
  const f = candidate.length;
  if (f < rule.minFolds || f >= totalFolds || rule.against.length < f) return null;
  const own = mean(candidate, f);
  const best = mean(rule.against, f);
  const baseline = mean(constant, f);
  // An incumbent no better than the constant predictor is no yardstick.
  if (!(baseline > best) || !Number.isFinite(own)) return null;
  const bound = best + rule.gap * (baseline - best);
  if (!(own > bound)) return null;
  return (
    `pruned after ${f} of ${totalFolds} folds: validation loss ${fmt(own)} on them, trial ${rule.incumbent} had ${fmt(best)} ` +
    `(constant predictor ${fmt(baseline)}; bound ${fmt(bound)} at gap ${rule.gap})`
  );
}

function mean(values: readonly number[], count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += values[i]!;
  return sum / count;
}

function selectLabels(labels: Labels, rows: Int32Array): Labels {
  if (labels instanceof Int32Array) return Int32Array.from(rows, (r) => labels[r]!);
  return Float64Array.from(rows, (r) => labels[r]!);
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(4) : String(x);
}

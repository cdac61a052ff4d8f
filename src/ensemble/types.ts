import type { Config } from '../models/types.js';
import type { Labels, Metric, Predictions } from '../metrics/types.js';

/** One candidate member for post hoc selection: its out-of-fold predictions (row-major n x k) and identity. */
export interface Candidate {
  readonly id: number;
  readonly family: string;
  readonly config: Config;
  readonly predictions: Predictions;
}

/**
 * How an ensemble combines its members' predictions: a weighted average (weights over the chosen candidates,
 * summing to 1) or a fitted stacking meta-model (plain data, see stacking.ts).
 */
export type Combiner =
  | { readonly kind: 'weights'; readonly memberIds: readonly number[]; readonly weights: readonly number[] }
  | { readonly kind: 'stacking'; readonly memberIds: readonly number[]; readonly model: StackingModel };

/** A fitted stacking meta-model as plain JSON data. */
export interface StackingModel {
  readonly learner: 'logistic' | 'ridge';
  readonly nonNegative: boolean;
  readonly nOutputs: number;
  /** Row-major coefficient matrix (inputs x outputs) and intercepts, over member predictions (and features). */
  readonly coefficients: readonly number[];
  readonly intercepts: readonly number[];
  readonly inputWidth: number;
  readonly regularization: number;
  /**
   * Optional (added by the ensemble module): when the model also takes the original features (AutoGluon's
   * second layer), their standardization on the selection rows; the caller passes the features, encoded as a
   * dense row-major n x featureMean.length matrix, to combinePredictions.
   */
  readonly featureMean?: readonly number[];
  readonly featureScale?: readonly number[];
}

export interface SelectionResult {
  readonly method: string;
  readonly combiner: Combiner;
  /** Metric score (as users read it) of the ensemble on the selection rows; honest (inner-CV) for stacking. */
  readonly validationScore: number;
  /** Loss (lower is better) after each step of the selector, for plots and tests. */
  readonly trajectory: readonly number[];
  /** Optional (added by the ensemble module): selector-specific figures, e.g. pool size, evaluations, cells. */
  readonly details?: Readonly<Record<string, number>>;
}

export interface SelectorOptions {
  readonly seed?: number;
  /**
   * ms since epoch (as Date.now()) by which `select` must return; default none. A selector past its deadline returns
   * the best ensemble it has found so far (it always completes its first step, which is cheap).
   */
  readonly deadline?: number;
  readonly [option: string]: unknown;
}

/**
 * A post hoc ensemble selector.
 *
 * Contract (checked for every selector by test/ensemble/selector-conformance.test.ts):
 * - Works on any candidates with equal-shaped predictions and labels `y`, for every metric of the task.
 * - Deterministic given `options.seed` (and no deadline, or one that does not pass).
 * - Honours `options.deadline`: past it, returns a valid ensemble (the best found so far) soon after, with
 *   `details.stoppedAtDeadline` = 1; a deadline already passed still gives a valid ensemble.
 * - Weights are non-negative and sum to 1; every member id is a candidate id.
 * - Never mutates the candidates' predictions.
 */
export interface Selector {
  readonly name: string;
  select(candidates: readonly Candidate[], y: Labels, metric: Metric, options?: SelectorOptions): SelectionResult;
}

/**
 * The calibration data of a selected ensemble, computed once from the stored out-of-fold predictions of its members
 * (no refitting) and kept in the bundle: what uncertain predictions need at serving time.
 * - Regression: each member's variance recalibration (variance-calibration.ts), and the conformity scores of the
 *   training rows grouped by fold, absolute |y - mean| and (weighted-average ensembles) normalized by the ensemble's
 *   predicted spread.
 * - Classification: LAC and APS conformity scores grouped by fold, and a temperature fitted on the ensemble's
 *   out-of-fold probabilities.
 */
import type { Task } from '../data/dataset.js';
import type { Fold } from '../data/split.js';
import type { Labels, Predictions } from '../metrics/types.js';
import { DataError } from '../util/errors.js';
import { combinePredictions } from './combine.js';
import { groupScores, labelScores, residualScores, type FoldScores } from './conformal.js';
import { fitTemperature } from './temperature.js';
import type { Combiner } from './types.js';
import { regressionUncertainty, type MixtureComponent } from './uncertainty.js';
import { applyVarianceCalibration, fitVarianceCalibration, type VarianceCalibration } from './variance-calibration.js';

export const CALIBRATION_FORMAT_VERSION = 1;

export interface RegressionCalibration {
  /** Per member id: its calibrated variance = scale * predicted variance + offset (scale 0 without one). */
  readonly variance: ReadonlyMap<number, VarianceCalibration>;
  readonly absolute: FoldScores;
  /** Scores |y - mean| / spread; absent for stacking, whose output is not a mixture of the members. */
  readonly normalized?: FoldScores;
  /** Spreads are floored here (a small share of the out-of-fold RMSE) so that no score divides by zero. */
  readonly spreadFloor: number;
}

export interface ClassificationCalibration {
  readonly lac: FoldScores;
  readonly aps: FoldScores;
  /** Temperature fitted on the ensemble's out-of-fold probabilities (1 = unchanged). */
  readonly temperature: number;
}

export interface Calibration {
  /** Folds of the cross-validation whose models produced the scores: fold model f of every member is fold f. */
  readonly nFolds: number;
  readonly regression?: RegressionCalibration;
  readonly classification?: ClassificationCalibration;
}

/** One ensemble member's out-of-fold predictions (n x k) and, for regression members that predict one, variances. */
export interface MemberOutOfFold {
  readonly id: number;
  readonly predictions: Predictions;
  readonly variance?: Predictions;
}

export interface CalibrationInput {
  readonly task: Task;
  /** Prediction width: classes, or 1 for regression. */
  readonly k: number;
  /** Training labels in training-row order (class codes or values). */
  readonly labels: Labels;
  /** The run's cross-validation folds (each training row held out exactly once). */
  readonly folds: readonly Fold[];
  readonly combiner: Combiner;
  readonly members: readonly MemberOutOfFold[];
}

/** Spreads below this share of the out-of-fold RMSE count as this share. */
const SPREAD_FLOOR_SHARE = 1e-6;

export function buildCalibration(input: CalibrationInput): Calibration {
  const n = input.labels.length;
  const foldOf = foldAssignment(input.folds, n);
  const nFolds = input.folds.length;
  const byId = new Map(input.members.map((m) => [m.id, m] as const));
  for (const id of input.combiner.memberIds) if (!byId.has(id)) throw new DataError(`calibration: no out-of-fold predictions of member ${id}`);
  const ensemble = combinePredictions(input.combiner, new Map(input.members.map((m) => [m.id, m.predictions])), n, input.k);
  if (input.task !== 'regression') {
    const y = input.labels as Int32Array;
    return {
      nFolds,
      classification: {
        lac: groupScores(labelScores('lac', y, ensemble, input.k), foldOf, nFolds),
        aps: groupScores(labelScores('aps', y, ensemble, input.k), foldOf, nFolds),
        temperature: fitTemperature(y, ensemble, input.k),
      },
    };
  }
  if (!(input.labels instanceof Float64Array)) throw new DataError('calibration: regression labels must be a Float64Array of values');
  const y = input.labels;
  const variance = new Map<number, VarianceCalibration>();
  for (const id of input.combiner.memberIds) {
    const m = byId.get(id)!;
    variance.set(id, fitVarianceCalibration(y, m.predictions, m.variance));
  }
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (y[i]! - ensemble[i]!) ** 2;
  const spreadFloor = Math.max(Math.sqrt(sse / n) * SPREAD_FLOOR_SHARE, Number.MIN_VALUE);
  const regression: RegressionCalibration = {
    variance,
    absolute: groupScores(residualScores(y, ensemble), foldOf, nFolds),
    spreadFloor,
    ...(input.combiner.kind === 'weights'
      ? {
          normalized: groupScores(
            residualScores(y, ensemble, ensembleSpread(input.combiner, variance, (id) => byId.get(id)!, n, spreadFloor)),
            foldOf,
            nFolds,
          ),
        }
      : {}),
  };
  return { nFolds, regression };
}

/** A member's predictions on some rows: its mean and, when it predicts one, its raw variance. */
export interface MemberPrediction {
  readonly predictions: Predictions;
  readonly variance?: Predictions;
}

/**
 * The mixture components of a weighted-average regression ensemble for the same n rows (one prediction per member:
 * its out-of-fold predictions, or one fold model's): each member's mean and calibrated variance.
 */
export function regressionComponents(
  combiner: Combiner & { kind: 'weights' },
  variance: ReadonlyMap<number, VarianceCalibration>,
  member: (id: number) => MemberPrediction,
  n: number,
  weightScale = 1,
): MixtureComponent[] {
  return combiner.memberIds.map((id, j) => {
    const m = member(id);
    const calibration = variance.get(id);
    if (calibration === undefined) throw new DataError(`calibration: member ${id} has no variance calibration`);
    return { weight: combiner.weights[j]! * weightScale, predictions: m.predictions, variance: applyVarianceCalibration(calibration, n, m.variance) };
  });
}

/** The ensemble's predictive standard deviation per row (law of total variance over its members), floored. */
export function ensembleSpread(
  combiner: Combiner & { kind: 'weights' },
  variance: ReadonlyMap<number, VarianceCalibration>,
  member: (id: number) => MemberPrediction,
  n: number,
  floor: number,
): Float64Array {
  const { total } = regressionUncertainty(regressionComponents(combiner, variance, member, n), n);
  const spread = new Float64Array(n);
  for (let i = 0; i < n; i++) spread[i] = Math.max(Math.sqrt(total[i]!), floor);
  return spread;
}

/** Each row's fold (the fold that held it out); every row must be held out exactly once. */
export function foldAssignment(folds: readonly Fold[], n: number): Int32Array {
  const foldOf = new Int32Array(n).fill(-1);
  folds.forEach((fold, f) => {
    for (const row of fold.test) {
      if (row >= n || foldOf[row] !== -1) throw new DataError(`calibration: row ${row} is held out by more than one fold, or is out of range`);
      foldOf[row] = f;
    }
  });
  const missing = foldOf.indexOf(-1);
  if (missing >= 0) throw new DataError(`calibration: row ${missing} is in no held-out fold`);
  return foldOf;
}

/**
 * Stacking: a linear meta-learner on the pool members' out-of-fold predictions (multinomial / binary logistic
 * for classification, ridge for regression), optionally with the original features too (AutoGluon's second
 * layer), optionally with non-negative coefficients (H2O's default GLM metalearner).
 *
 * Honesty: the regularization is chosen by an inner k-fold cross-validation over the OOF rows, and the reported
 * validationScore is that inner-CV score (each row predicted by a meta-model that did not see it). The final
 * meta-model is then refitted on all rows with the chosen regularization.
 */
import { holdout, kFold, stratifiedKFold, type Fold } from '../data/split.js';
import type { Labels, Metric, Predictions } from '../metrics/types.js';
import { fitLogistic, predictLogistic } from '../models/linear/logistic.js';
import { fitRidge, predictLinear, type LinearCoefficients } from '../models/linear/ridge.js';
import { ConfigError } from '../util/errors.js';
import { deriveSeed } from '../util/random.js';
import { estimateSelectionSeconds, stackingSeconds } from './cost.js';
import { greedyEnsembleSelection } from './ges.js';
import { createKernel } from './kernels.js';
import {
  boolOption,
  checkOptionNames,
  checkProblem,
  constantLoss,
  deadlineOf,
  intOption,
  memberLosses,
  prunePool,
  type ProblemShape,
} from './pool.js';
import { fitFeatureScaling, memberInputColumns, stackingInputs, type FeatureScaling } from './stacking-model.js';
import type { Candidate, SelectionResult, Selector, SelectorOptions, StackingModel } from './types.js';

export interface StackingOptions extends SelectorOptions {
  /** Constrain the meta-model's coefficients to be >= 0 (intercepts free). Default true, as H2O. */
  readonly nonNegative?: boolean;
  /** Original features for the selection rows, dense row-major n x featureCount (AutoGluon's second layer). */
  readonly features?: Float64Array;
  readonly featureCount?: number;
  /** Inner cross-validation folds for choosing the regularization. Default 5. */
  readonly folds?: number;
  /** Candidate L2 strengths (logistic: C = 1 / l2; ridge: alpha). Default [0.01, 0.1, 1, 10, 100]. */
  readonly regularizationGrid?: readonly number[];
  /** Pool size: the best N candidates that beat the constant predictor. Default 20. */
  readonly maxPool?: number;
  /** L-BFGS iteration cap of the logistic meta-model. Default 200. */
  readonly maxIter?: number;
  /**
   * Start each logistic fit from the previous regularization strength's solution in the same fold. Default true;
   * false starts every fit from the class priors (same optimum, slower: kept for measuring the difference).
   */
  readonly warmStart?: boolean;
  /**
   * Rows the meta-model is chosen and fitted on: more rows are subsampled (seeded, stratified by class), so the
   * cost stays bounded on large data. A linear model over member predictions needs few rows. Default 5000.
   */
  readonly maxRows?: number;
}

const OPTION_NAMES = ['nonNegative', 'features', 'featureCount', 'folds', 'regularizationGrid', 'maxPool', 'maxIter', 'warmStart', 'maxRows'] as const;
const DEFAULT_GRID = [0.01, 0.1, 1, 10, 100];
/** Longest the GES fallback of a stacking cut short may run past the deadline, ms. */
const FALLBACK_GRACE_MS = 1000;
/** Gradient tolerance of the logistic meta-model: far below what changes its held-out score. */
const META_TOLERANCE = 1e-4;

interface MetaProblem {
  readonly X: Float64Array;
  readonly width: number;
  readonly shape: ProblemShape;
  readonly y: Labels;
  readonly yCodes: Int32Array | null;
  readonly nonNegative: boolean;
  readonly maxIter: number;
  readonly warmStart: boolean;
  /** ms since epoch: no new L-BFGS iteration starts after it. */
  readonly deadline: number;
}

export function stackingSelect(
  candidates: readonly Candidate[],
  y: Labels,
  metric: Metric,
  options: StackingOptions = {},
): SelectionResult {
  checkOptionNames('stacking', options, OPTION_NAMES);
  const full = checkProblem(candidates, y, metric);
  const nonNegative = boolOption(options, 'nonNegative', true);
  const folds = intOption(options, 'folds', 5, 2);
  const maxPool = intOption(options, 'maxPool', 20);
  const maxIter = intOption(options, 'maxIter', 200);
  const warmStart = boolOption(options, 'warmStart', true);
  const maxRows = intOption(options, 'maxRows', 5000, 2);
  const grid = regularizationGrid(options.regularizationGrid);
  const deadline = deadlineOf(options);

  const predictions = candidates.map((c) => c.predictions);
  const kernel = createKernel(predictions, y, full.k, metric);
  const ranked = prunePool(memberLosses(kernel, candidates.length), constantLoss(y, full, metric), maxPool);
  // Under a deadline, fewer rows (then fewer members) when the whole path would not fit the time left.
  const plan = planForDeadline(deadline, { rows: Math.min(full.n, maxRows), members: ranked.length, outputs: full.k, folds, strengths: grid.length, extra: (options.featureCount ?? 0) });
  const pool = ranked.slice(0, plan.members);
  // The pool is chosen on every row; the meta-model on a sample of at most maxRows of them.
  const rows = sampleRows(y, full, plan.rows, options.seed ?? 0);
  const shape: ProblemShape = { ...full, n: rows === null ? full.n : rows.length };
  const ySample = rows === null ? y : pickLabels(y, rows);
  const scaling = featureScaling(options, full.n);
  const features = options.features === undefined || rows === null ? options.features : takeRows(options.features, options.featureCount!, rows);
  const members: Predictions[] = pool.map((j) => (rows === null ? predictions[j]! : takeRows(predictions[j]!, full.k, rows)));
  const { X, width } = stackingInputs(members, shape.n, shape.k, features, scaling);
  const yCodes = shape.regression ? null : ySample instanceof Int32Array ? ySample : Int32Array.from(ySample);
  const problem: MetaProblem = { X, width, shape, y: ySample, yCodes, nonNegative, maxIter, warmStart, deadline };

  const innerFolds = yCodes === null
    ? kFold(shape.n, Math.min(folds, shape.n), options.seed ?? 0)
    : stratifiedKFold(yCodes, Math.min(folds, shape.n), options.seed ?? 0);
  // Moderate strengths first: a deadline that stops the path early keeps the likeliest good ones.
  const order = evaluationOrder(grid);
  const path = crossValidatedPath(problem, innerFolds, order);
  const trajectory = path.oofs.map((oof) => metric.loss(ySample, oof, shape.k));
  // The lowest inner-CV loss; on a tie the stronger regularization (the simpler meta-model).
  let bestAt = 0;
  for (let g = 1; g < trajectory.length; g++) {
    const tie = Math.abs(trajectory[g]! - trajectory[bestAt]!) <= 1e-12 * Math.max(1, Math.abs(trajectory[bestAt]!));
    if (tie ? order[g]! > order[bestAt]! : trajectory[g]! < trajectory[bestAt]!) bestAt = g;
  }
  const all = Int32Array.from({ length: shape.n }, (_, i) => i);
  const fitted = fitMeta(problem, all, order[bestAt]!, warmStart ? path.lastFoldModels[bestAt] : undefined);
  const best = { lambda: order[bestAt]!, oof: path.oofs[bestAt]! };
  // Members whose every coefficient is 0 (common with non-negative coefficients) change no prediction: they are left
  // out of the combiner, so a served ensemble never evaluates them.
  const used = usedMembers(fitted.coef, pool.length, memberInputColumns(shape.k).length, shape.k);
  const model: StackingModel = {
    learner: shape.regression ? 'ridge' : 'logistic',
    nonNegative,
    nOutputs: shape.k,
    coefficients: Array.from(keepRows(fitted.coef, used, memberInputColumns(shape.k).length, pool.length, width, shape.k)),
    intercepts: Array.from(fitted.intercept),
    inputWidth: width - (pool.length - used.length) * memberInputColumns(shape.k).length,
    regularization: best.lambda,
    ...(scaling === undefined ? {} : { featureMean: Array.from(scaling.mean), featureScale: Array.from(scaling.scale) }),
  };
  const details = {
    poolSize: pool.length,
    membersUsed: used.length,
    inputWidth: width,
    regularization: best.lambda,
    innerFolds: innerFolds.length,
    rows: shape.n,
    ...(plan.shrunk ? { shrunkForDeadline: 1 } : {}),
    ...(trajectory.length < order.length ? { stoppedAtDeadline: 1, strengthsEvaluated: trajectory.length } : {}),
  };
  const stacked: SelectionResult = {
    method: 'stacking',
    combiner: { kind: 'stacking', memberIds: used.map((m) => candidates[pool[m]!]!.id), model },
    validationScore: metric.score(ySample, best.oof, shape.k),
    trajectory,
    details,
  };
  // Cut short by its deadline, a meta-model can be far from converged: then GES (what fits in no time) is kept
  // when its loss is lower than the stacked model's honest inner-CV loss.
  const cutShort = plan.shrunk || trajectory.length < order.length || Date.now() > deadline;
  if (!cutShort) return stacked;
  // GES is cheap: it gets up to a second past the deadline to finish its rounds, or it would stop after its first
  // (the single best member).
  const gesTime = Math.min(FALLBACK_GRACE_MS, 200 + 3000 * estimateSelectionSeconds('ges', { rows: full.n, outputs: full.k, candidates: candidates.length, metric: metric.name }));
  const ges = greedyEnsembleSelection(candidates, y, metric, { seed: options.seed ?? 0, deadline: Math.max(deadline, Date.now() + gesTime) });
  const gesLoss = metric.higherIsBetter ? -ges.validationScore : ges.validationScore;
  if (!(gesLoss < trajectory[bestAt]!)) return stacked;
  return { ...ges, method: 'stacking', details: { ...details, ...(ges.details ?? {}), fellBackToGes: 1, stoppedAtDeadline: 1 } };
}

/** Pool positions of the members with a non-zero coefficient (at least the first member, so a combiner is never empty). */
function usedMembers(coef: Float64Array, members: number, columns: number, k: number): number[] {
  const used: number[] = [];
  for (let m = 0; m < members; m++) {
    let any = false;
    for (let r = m * columns; r < (m + 1) * columns && !any; r++) for (let c = 0; c < k; c++) if (coef[r * k + c] !== 0) any = true;
    if (any) used.push(m);
  }
  return used.length === 0 ? [0] : used;
}

/** The coefficient rows of the used members' columns, then every feature row (row-major: `width` inputs x k). */
function keepRows(coef: Float64Array, used: readonly number[], columns: number, members: number, width: number, k: number): Float64Array {
  const rows: number[] = [];
  for (const m of used) for (let r = m * columns; r < (m + 1) * columns; r++) rows.push(r);
  for (let r = members * columns; r < width; r++) rows.push(r);
  const out = new Float64Array(rows.length * k);
  rows.forEach((r, i) => out.set(coef.subarray(r * k, (r + 1) * k), i * k));
  return out;
}

/** Regularization strengths in evaluation order: nearest to 1 (on a log scale) first, the weaker of two equals first. */
export function evaluationOrder(grid: readonly number[]): number[] {
  const distance = (l: number): number => (l > 0 ? Math.abs(Math.log10(l)) : Infinity);
  return [...grid].sort((a, b) => distance(a) - distance(b) || a - b);
}

interface PlanShape {
  readonly rows: number;
  readonly members: number;
  readonly outputs: number;
  readonly folds: number;
  readonly strengths: number;
  /** Input columns besides the members' predictions (original features). */
  readonly extra: number;
}

/** Rows below which the meta-model's sample is not shrunk for time (members are dropped instead). */
const MIN_PLAN_ROWS = 1000;
/** Share of the time left the planned path may fill (the rest: scoring, the refit's overrun, assembling). */
const PLAN_SHARE = 0.7;

/**
 * Rows and members for a meta-model search predicted (by the selector cost model) to fit before `deadline`: rows
 * first (down to MIN_PLAN_ROWS), then members (down to 2). Without a deadline, or when everything fits, the shape
 * as given.
 */
function planForDeadline(deadline: number, shape: PlanShape): { rows: number; members: number; shrunk: boolean } {
  const { rows, members, outputs, folds, strengths, extra } = shape;
  if (!Number.isFinite(deadline)) return { rows, members, shrunk: false };
  const fits = folds * strengths + 1;
  const available = Math.max(0, deadline - Date.now()) / 1000 * PLAN_SHARE;
  const cost = (r: number, m: number): number => stackingSeconds(fits, r, m * outputs + extra, outputs);
  if (cost(rows, members) <= available) return { rows, members, shrunk: false };
  const floorRows = Math.min(rows, MIN_PLAN_ROWS);
  const fittedRows = Math.max(floorRows, Math.floor((rows * available) / cost(rows, members)));
  if (cost(fittedRows, members) <= available || members <= 2) return { rows: fittedRows, members, shrunk: true };
  const fittedMembers = Math.max(2, Math.floor((members * available) / cost(fittedRows, members)));
  return { rows: fittedRows, members: Math.min(members, fittedMembers), shrunk: true };
}

/** A seeded sample of at most `maxRows` row indices (stratified by class), sorted; null when all rows fit. */
function sampleRows(y: Labels, shape: ProblemShape, maxRows: number, seed: number): Int32Array | null {
  if (shape.n <= maxRows) return null;
  const codes = shape.regression ? undefined : y instanceof Int32Array ? y : Int32Array.from(y);
  return holdout(shape.n, 1 - maxRows / shape.n, deriveSeed(seed, 0x57ac), codes).train;
}

function pickLabels(y: Labels, rows: Int32Array): Labels {
  return y instanceof Int32Array ? Int32Array.from(rows, (r) => y[r]!) : Float64Array.from(rows, (r) => y[r]!);
}

function regularizationGrid(grid: readonly number[] | undefined): readonly number[] {
  if (grid === undefined) return DEFAULT_GRID;
  if (!Array.isArray(grid) || grid.length === 0 || grid.some((v) => typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v))) {
    throw new ConfigError('option regularizationGrid must be a non-empty array of finite numbers >= 0');
  }
  return grid;
}

function featureScaling(options: StackingOptions, n: number): FeatureScaling | undefined {
  if (options.features === undefined) return undefined;
  const d = options.featureCount;
  if (!(options.features instanceof Float64Array)) throw new ConfigError('option features must be a Float64Array (row-major n x featureCount)');
  if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || options.features.length !== n * d) {
    throw new ConfigError(`option featureCount must be the column count of features (features has ${options.features.length} values for ${n} rows)`);
  }
  return fitFeatureScaling(options.features, n, d);
}

/**
 * Out-of-fold meta-model predictions (n x k) for each regularization strength of `path`, in its order; past the
 * deadline no further strength is started (the first is always completed). Within a fold each fit starts from
 * the nearest strength's solution so far (a regularization path), which saves L-BFGS iterations (1.1-1.8x less
 * time on `bench:stacking`); also returns the last fold's model per strength, a warm start for the final refit.
 */
function crossValidatedPath(
  problem: MetaProblem,
  folds: readonly Fold[],
  path: readonly number[],
): { oofs: Float64Array[]; lastFoldModels: LinearCoefficients[] } {
  const { X, width, shape } = problem;
  const oofs: Float64Array[] = [];
  const lastFoldModels: LinearCoefficients[] = [];
  const tests = folds.map((fold) => takeRows(X, width, fold.test));
  // Per fold, the models fitted so far by strength: each fit starts from the nearest strength's solution.
  const fitted: Array<Map<number, LinearCoefficients>> = folds.map(() => new Map());
  for (const lambda of path) {
    if (oofs.length > 0 && Date.now() > problem.deadline) break;
    const oof = new Float64Array(shape.n * shape.k);
    folds.forEach((fold, f) => {
      const model = fitMeta(problem, fold.train, lambda, problem.warmStart ? nearestModel(fitted[f]!, lambda) : undefined);
      fitted[f]!.set(lambda, model);
      const pred = predictMeta(problem, tests[f]!, fold.test.length, model);
      for (let t = 0; t < fold.test.length; t++) {
        oof.set(pred.subarray(t * shape.k, (t + 1) * shape.k), fold.test[t]! * shape.k);
      }
    });
    oofs.push(oof);
    lastFoldModels.push(fitted[folds.length - 1]!.get(lambda)!);
  }
  return { oofs, lastFoldModels };
}

/** The model of the strength nearest to `lambda` on a log scale (undefined when none was fitted). */
function nearestModel(models: ReadonlyMap<number, LinearCoefficients>, lambda: number): LinearCoefficients | undefined {
  let best: LinearCoefficients | undefined;
  let distance = Infinity;
  for (const [other, model] of models) {
    const d = Math.abs(Math.log((other + 1e-12) / (lambda + 1e-12)));
    if (d < distance) {
      distance = d;
      best = model;
    }
  }
  return best;
}

function predictMeta(problem: MetaProblem, X: Float64Array, n: number, model: LinearCoefficients): Float64Array {
  return problem.yCodes === null ? predictLinear(X, n, problem.width, model) : predictLogistic(X, n, problem.width, model);
}

/** Fits the meta-model on the given rows; `warmStart` (logistic only) is where L-BFGS starts. */
function fitMeta(problem: MetaProblem, rows: Int32Array, lambda: number, warmStart?: LinearCoefficients): LinearCoefficients {
  const { X, width, shape, yCodes, nonNegative, maxIter } = problem;
  const Xr = takeRows(X, width, rows);
  const n = rows.length;
  if (yCodes !== null) {
    const yr = Int32Array.from(rows, (i) => yCodes[i]!);
    return fitLogistic(Xr, n, width, yr, shape.k, {
      l2: lambda, maxIter, nonNegative, tol: META_TOLERANCE, deadline: problem.deadline, ...(warmStart === undefined ? {} : { warmStart }),
    });
  }
  const yr = Float64Array.from(rows, (i) => problem.y[i]!);
  return nonNegative ? fitNonNegativeRidge(Xr, n, width, yr, lambda) : fitRidge(Xr, n, width, yr, 1, lambda);
}

/**
 * Ridge with coefficients >= 0 by an active-set loop over fitRidge: drop the columns whose coefficient is
 * negative and refit on the rest until none is (at most d refits; dropped columns get 0).
 */
function fitNonNegativeRidge(X: Float64Array, n: number, d: number, y: Float64Array, lambda: number): LinearCoefficients {
  let active = Array.from({ length: d }, (_, j) => j);
  while (active.length > 0) {
    const Xa = takeColumns(X, n, d, active);
    const fit = fitRidge(Xa, n, active.length, y, 1, lambda);
    const negative = active.filter((_, a) => fit.coef[a]! < 0);
    if (negative.length === 0) {
      const coef = new Float64Array(d);
      active.forEach((j, a) => (coef[j] = fit.coef[a]!));
      return { coef, intercept: fit.intercept };
    }
    active = active.filter((_, a) => !(fit.coef[a]! < 0));
  }
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i]! / n;
  return { coef: new Float64Array(d), intercept: Float64Array.of(mean) };
}

function takeRows(X: Float64Array | Float32Array, width: number, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length * width);
  for (let r = 0; r < rows.length; r++) out.set(X.subarray(rows[r]! * width, (rows[r]! + 1) * width), r * width);
  return out;
}

function takeColumns(X: Float64Array, n: number, d: number, columns: readonly number[]): Float64Array {
  const w = columns.length;
  const out = new Float64Array(n * w);
  for (let i = 0; i < n; i++) for (let a = 0; a < w; a++) out[i * w + a] = X[i * d + columns[a]!]!;
  return out;
}

export const stackingSelector: Selector = {
  name: 'stacking',
  select: (candidates, y, metric, options) => stackingSelect(candidates, y, metric, options),
};

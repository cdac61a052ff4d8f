/**
 * Conformal prediction intervals (regression) and prediction sets (classification) from out-of-fold conformity
 * scores, with no refitting: CV+ (Barber, Candes, Ramdas, Tibshirani 2021) for regression and its classification
 * analogue (Romano, Sesia, Candes 2020). Calibration row i's score was computed with the fold model that did not see
 * it (fold f(i)); a new row is scored against the calibration rows of fold f with fold f's models.
 *
 * Guarantee (exchangeable rows, K folds of n rows): coverage >= 1 - 2a - min(2(1 - 1/K)/(n/K + 1), (1 - K/n)/(K + 1))
 * for level 1 - a; in practice about 1 - a. With one group (a model refit on all rows, or a single fold model), the
 * same code is split conformal on the out-of-fold scores, whose 1 - a guarantee holds for the models that produced
 * the scores and is approximate for a refit model (see docs/uncertainty.md).
 */
import type { Predictions } from '../metrics/types.js';
import { ConfigError, DataError } from '../util/errors.js';

/**
 * How a classification row's score is computed: LAC (1 - p of the class) or APS (the probability mass of the classes
 * ranked before it, plus half its own).
 */
export type SetMethod = 'lac' | 'aps';
export const SET_METHODS: readonly SetMethod[] = ['lac', 'aps'];

/** Calibration scores grouped by the fold whose models produced them, each group sorted ascending. */
export interface FoldScores {
  readonly folds: readonly Float64Array[];
  /** Calibration rows in all folds. */
  readonly n: number;
}

/** Group `scores` (one per calibration row) by `foldOf` (each row's fold, 0..nFolds-1), sorted within each fold. */
export function groupScores(scores: Float64Array, foldOf: Int32Array, nFolds: number): FoldScores {
  if (scores.length !== foldOf.length) throw new DataError(`${scores.length} scores for ${foldOf.length} fold assignments`);
  const counts = new Int32Array(nFolds);
  for (const f of foldOf) {
    if (!(f >= 0 && f < nFolds)) throw new DataError(`fold ${f} out of range 0..${nFolds - 1}`);
    counts[f]!++;
  }
  const folds = Array.from(counts, (c) => new Float64Array(c));
  const fill = new Int32Array(nFolds);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (Number.isNaN(s)) throw new DataError(`calibration score ${i} is NaN`);
    const f = foldOf[i]!;
    folds[f]![fill[f]!++] = s;
  }
  for (const fold of folds) fold.sort();
  return { folds, n: scores.length };
}

/** All scores as one group (for a model that is not made of the folds' models). */
export function mergeScores(scores: FoldScores): FoldScores {
  const all = new Float64Array(scores.n);
  let o = 0;
  for (const fold of scores.folds) {
    all.set(fold, o);
    o += fold.length;
  }
  return { folds: [all.sort()], n: scores.n };
}

/**
 * The coverage level as a number in (0, 1) that `n` calibration rows can support: ceil(level (n + 1)) <= n, else the
 * interval would be unbounded. Anything else is a ConfigError saying what is allowed.
 */
export function checkLevel(level: unknown, n: number): number {
  if (typeof level !== 'number' || !Number.isFinite(level) || level <= 0 || level >= 1) {
    throw new ConfigError(`interval must be a coverage level strictly between 0 and 1 (e.g. 0.9), got ${JSON.stringify(level) ?? String(level)}`);
  }
  if (conformalRank(level, n) > n) {
    const most = Math.floor((n / (n + 1)) * 1000) / 1000;
    throw new ConfigError(`interval ${level} needs more calibration rows than the ${n} this model has: the highest level it supports is ${most}`);
  }
  return level;
}

/** t = ceil(level (n + 1)): the rank of the conformal quantile (guarded against 0.9 * 101 = 90.90000000000001). */
export function conformalRank(level: number, n: number): number {
  return Math.ceil(level * (n + 1) - 1e-9);
}

// ---- regression ----

/** Absolute residuals |y - mean|, divided by the predicted spread when one is given (normalized scores). */
export function residualScores(y: Predictions, mean: Predictions, spread?: Predictions): Float64Array {
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = Math.abs(y[i]! - mean[i]!) / (spread === undefined ? 1 : spread[i]!);
  return out;
}

/**
 * CV+ intervals for n rows: `means[f]` and `spreads[f]` are fold f's ensemble predictions and spreads for the rows
 * (spreads absent: absolute scores). With t = ceil(level (N + 1)) over N calibration rows, the upper bound is the t-th
 * smallest of { means[f](x) + spreads[f](x) R_i : i in fold f } over all folds, the lower bound minus the t-th
 * smallest of { -means[f](x) + spreads[f](x) R_i }.
 */
export function cvPlusIntervals(
  scores: FoldScores,
  means: readonly Predictions[],
  spreads: readonly Predictions[] | undefined,
  level: number,
): { lower: Float64Array; upper: Float64Array } {
  checkGroups(scores, means.length, 'fold predictions');
  if (spreads !== undefined) checkGroups(scores, spreads.length, 'fold spreads');
  const t = conformalRank(checkLevel(level, scores.n), scores.n);
  const n = means[0]!.length;
  const lower = new Float64Array(n);
  const upper = new Float64Array(n);
  const K = means.length;
  const shift = new Float64Array(K);
  const scale = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < K; f++) {
      scale[f] = spreads === undefined ? 1 : spreads[f]![i]!;
      shift[f] = means[f]![i]!;
    }
    upper[i] = kthOfShiftedScaled(scores.folds, shift, scale, t);
    for (let f = 0; f < K; f++) shift[f] = -shift[f]!;
    lower[i] = -kthOfShiftedScaled(scores.folds, shift, scale, t);
  }
  return { lower, upper };
}

/**
 * The t-th smallest (1-based) of the union over groups g of { shift[g] + scale[g] * folds[g][j] } (scale > 0, each
 * group sorted, so each transformed group is sorted too). Exact: for each group, binary search for its first element
 * whose rank in the union reaches t; the answer is the least of those. O(K^2 log^2 n).
 */
export function kthOfShiftedScaled(folds: readonly Float64Array[], shift: Float64Array, scale: Float64Array, t: number): number {
  const K = folds.length;
  const value = (g: number, j: number): number => shift[g]! + scale[g]! * folds[g]![j]!;
  const countAtMost = (v: number): number => {
    let count = 0;
    for (let g = 0; g < K; g++) count += partitionPoint(folds[g]!.length, (j) => value(g, j) <= v);
    return count;
  };
  let best = Infinity;
  for (let g = 0; g < K; g++) {
    const first = partitionPoint(folds[g]!.length, (j) => countAtMost(value(g, j)) < t);
    if (first < folds[g]!.length) best = Math.min(best, value(g, first));
  }
  return best;
}

/** The first index in [0, length) where `before` turns false (`before` must be true then false): a binary search. */
function partitionPoint(length: number, before: (index: number) => boolean): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// ---- classification ----

/** Conformity score of class `y` in row `row` of n x k probabilities (larger = less conforming). */
export function classScore(method: SetMethod, p: Predictions, row: number, k: number, y: number): number {
  const base = row * k;
  const py = p[base + y]!;
  if (method === 'lac') return 1 - py;
  // APS with the randomization U fixed at 1/2: the mass of the classes ranked before y (probability descending, ties
  // by class index) plus half of y's own. Any fixed score keeps the conformal guarantee; U = 1 (the plain
  // non-randomized APS) makes every misclassified row score exactly 1, so on a binary task less accurate than the
  // level every set is full; a random U would make the same row's set change from call to call.
  let mass = py / 2;
  for (let j = 0; j < k; j++) {
    const q = p[base + j]!;
    if (q > py || (q === py && j < y)) mass += q;
  }
  return mass;
}

/** Score of each calibration row's true class. */
export function labelScores(method: SetMethod, y: Int32Array, p: Predictions, k: number): Float64Array {
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = classScore(method, p, i, k, y[i]!);
  return out;
}

/**
 * CV+ prediction sets for n rows: class c is in row x's set unless at least t = ceil(level (N + 1)) calibration
 * scores are strictly below c's score under the calibration row's own fold model (`probabilities[f]`: fold f's
 * ensemble probabilities for the rows). Returns n x k membership (1 = in the set). A set may be empty: the model
 * then finds every class too unlikely at this level (it happens when the model is more accurate than the level).
 */
export function cvPlusSets(scores: FoldScores, probabilities: readonly Predictions[], k: number, level: number, method: SetMethod): Uint8Array {
  checkGroups(scores, probabilities.length, 'fold probabilities');
  const t = conformalRank(checkLevel(level, scores.n), scores.n);
  const n = probabilities[0]!.length / k;
  const member = new Uint8Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let below = 0;
      for (let f = 0; f < probabilities.length; f++) below += countBelow(scores.folds[f]!, classScore(method, probabilities[f]!, i, k, c));
      member[i * k + c] = below < t ? 1 : 0;
    }
  }
  return member;
}

/** Elements of a sorted array strictly below v. */
function countBelow(sorted: Float64Array, v: number): number {
  return partitionPoint(sorted.length, (j) => sorted[j]! < v);
}

function checkGroups(scores: FoldScores, given: number, what: string): void {
  if (given !== scores.folds.length) throw new DataError(`${given} ${what} for ${scores.folds.length} calibration folds`);
}

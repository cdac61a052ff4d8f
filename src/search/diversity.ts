/**
 * Pairwise diversity of members and DivBO's diversity surrogate.
 *
 * Diversity of two members on the same rows:
 * - classification (k >= 2 probability columns): mean over rows of the Euclidean distance between the two
 *   probability vectors, divided by sqrt 2 (so it lies in [0, 1]);
 * - regression (k = 1): mean over rows of |a - b| divided by the standard deviation of the labels (a scaled
 *   absolute difference, comparable across datasets; 1 = members disagree by one label sd on average).
 *
 * The surrogate is a gradient-boosted regressor on pairs of encoded configurations (concatenated, both orders),
 * so it can predict the diversity between a configuration never trained and an evaluated one.
 */
import { trainBoostedRegressor } from '../models/trees/index.js';
import type { Labels, Predictions } from '../metrics/types.js';
import { Rng } from '../util/random.js';
import type { SpaceEncoder } from './encode.js';
import { toTreeMatrix } from './encode.js';
import type { TrialProposal } from './types.js';

export function pairwiseDiversity(a: Predictions, b: Predictions, k: number, regressionScale = 1): number {
  const n = a.length / k;
  if (a.length !== b.length || n === 0) throw new Error(`diversity needs equal-shaped predictions, got ${a.length} and ${b.length}`);
  let sum = 0;
  if (k === 1) {
    for (let i = 0; i < n; i++) sum += Math.abs(a[i]! - b[i]!);
    return sum / n / regressionScale;
  }
  for (let i = 0; i < n; i++) {
    let d2 = 0;
    for (let c = 0; c < k; c++) {
      const d = a[i * k + c]! - b[i * k + c]!;
      d2 += d * d;
    }
    sum += Math.sqrt(d2);
  }
  return sum / n / Math.SQRT2;
}

/** Standard deviation of regression labels, the scale of regression diversity (1 when constant). */
export function labelScale(y: Labels): number {
  let mean = 0;
  for (let i = 0; i < y.length; i++) mean += y[i]!;
  mean /= y.length;
  let v = 0;
  for (let i = 0; i < y.length; i++) v += (y[i]! - mean) ** 2;
  const sd = Math.sqrt(v / y.length);
  return sd > 0 ? sd : 1;
}

export interface EvaluatedMember {
  readonly proposal: TrialProposal;
  readonly predictions: Predictions;
}

export interface DiversitySurrogateOptions {
  /** Pairs sampled for training at most (default 1000; each is used in both orders). */
  readonly maxPairs?: number;
  /** Boosting rounds (default 60), shrinkage (0.15), depth (4), feature fraction per tree (0.6). */
  readonly nRounds?: number;
  readonly learningRate?: number;
  readonly maxDepth?: number;
  readonly colsample?: number;
}

export interface DiversitySurrogate {
  /** Predicted diversity of each (a[i], b[i]) pair, symmetrized over both orders. */
  predictPairs(a: readonly TrialProposal[], b: readonly TrialProposal[]): Float64Array;
  /** Predicted diversity of every (a[i], b[j]) pair, row-major a.length x b.length, symmetrized. */
  predictGrid(a: readonly TrialProposal[], b: readonly TrialProposal[]): Float64Array;
}

/** Choose up to `maxPairs` distinct index pairs (i < j) of n members: all when few enough, else a seeded sample. */
export function samplePairs(n: number, maxPairs: number, rng: Rng): Array<[number, number]> {
  const total = (n * (n - 1)) / 2;
  const pairs: Array<[number, number]> = [];
  if (total <= maxPairs) {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairs.push([i, j]);
    return pairs;
  }
  const seen = new Set<number>();
  while (pairs.length < maxPairs) {
    const i = rng.int(n);
    const j = rng.int(n);
    if (i === j) continue;
    const lo = Math.min(i, j);
    const hi = Math.max(i, j);
    if (seen.has(lo * n + hi)) continue;
    seen.add(lo * n + hi);
    pairs.push([lo, hi]);
  }
  return pairs;
}

/** Rows [enc(left[i]) | enc(right[i])] built from pre-encoded columns, as a TreeMatrix. */
function pairMatrix(names: readonly string[], encA: readonly Float64Array[], left: Int32Array, encB: readonly Float64Array[], right: Int32Array) {
  const columns: Float64Array[] = [];
  for (const col of encA) columns.push(gather(col, left));
  for (const col of encB) columns.push(gather(col, right));
  return toTreeMatrix(columns, names);
}

function gather(col: Float64Array, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = col[rows[i]!]!;
  return out;
}

export function fitDiversitySurrogate(
  members: readonly EvaluatedMember[],
  k: number,
  regressionScale: number,
  encoder: SpaceEncoder,
  seed: number,
  options: DiversitySurrogateOptions = {},
): DiversitySurrogate {
  const rng = new Rng(seed);
  const pairs = samplePairs(members.length, options.maxPairs ?? 1000, rng);
  const names = [...encoder.names.map((x) => `a.${x}`), ...encoder.names.map((x) => `b.${x}`)];
  const encoded = encoder.matrix(members.map((m) => m.proposal)).columns as Float64Array[];
  const left = new Int32Array(pairs.length * 2);
  const right = new Int32Array(pairs.length * 2);
  const y = new Float64Array(pairs.length * 2);
  pairs.forEach(([i, j], r) => {
    const d = pairwiseDiversity(members[i]!.predictions, members[j]!.predictions, k, regressionScale);
    left[2 * r] = i;
    right[2 * r] = j;
    left[2 * r + 1] = j;
    right[2 * r + 1] = i;
    y[2 * r] = d;
    y[2 * r + 1] = d;
  });
  const model = trainBoostedRegressor(pairMatrix(names, encoded, left, encoded, right), y, {
    nRounds: options.nRounds ?? 60,
    learningRate: options.learningRate ?? 0.15,
    maxDepth: options.maxDepth ?? 4,
    colsample: options.colsample ?? 0.6,
    minSamplesLeaf: 2,
    seed: rng.nextUint32(),
  });
  const predict = (a: readonly TrialProposal[], ia: Int32Array, b: readonly TrialProposal[], ib: Int32Array): Float64Array => {
    const ea = encoder.matrix(a).columns as Float64Array[];
    const eb = encoder.matrix(b).columns as Float64Array[];
    const ab = model.predict(pairMatrix(names, ea, ia, eb, ib));
    const ba = model.predict(pairMatrix(names, eb, ib, ea, ia));
    for (let i = 0; i < ab.length; i++) ab[i] = 0.5 * (ab[i]! + ba[i]!);
    return ab;
  };
  return {
    predictPairs(a, b) {
      const idx = Int32Array.from(a.keys());
      return predict(a, idx, b, idx);
    },
    predictGrid(a, b) {
      const ia = new Int32Array(a.length * b.length);
      const ib = new Int32Array(a.length * b.length);
      for (let i = 0; i < a.length; i++) {
        for (let j = 0; j < b.length; j++) {
          ia[i * b.length + j] = i;
          ib[i * b.length + j] = j;
        }
      }
      return predict(a, ia, b, ib);
    },
  };
}

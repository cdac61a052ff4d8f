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
  /** Pairs sampled for training at most (default 2000; each is used in both orders). */
  readonly maxPairs?: number;
  readonly nRounds?: number;
  readonly learningRate?: number;
  readonly maxDepth?: number;
}

export interface DiversitySurrogate {
  /** Predicted diversity of each (a[i], b[i]) pair, symmetrized over both orders. */
  predictPairs(a: readonly TrialProposal[], b: readonly TrialProposal[]): Float64Array;
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

/** Rows [enc(a) | enc(b)] for pairs, as a TreeMatrix. */
function pairMatrix(encoder: SpaceEncoder, a: readonly TrialProposal[], b: readonly TrialProposal[]) {
  const w = encoder.width;
  const encA = encoder.matrix(a).columns;
  const encB = encoder.matrix(b).columns;
  const names = [...encoder.names.map((x) => `a.${x}`), ...encoder.names.map((x) => `b.${x}`)];
  const columns: Float64Array[] = [];
  for (let c = 0; c < w; c++) columns.push(encA[c] as Float64Array);
  for (let c = 0; c < w; c++) columns.push(encB[c] as Float64Array);
  return toTreeMatrix(columns, names);
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
  const pairs = samplePairs(members.length, options.maxPairs ?? 2000, rng);
  const left: TrialProposal[] = [];
  const right: TrialProposal[] = [];
  const y = new Float64Array(pairs.length * 2);
  pairs.forEach(([i, j], r) => {
    const d = pairwiseDiversity(members[i]!.predictions, members[j]!.predictions, k, regressionScale);
    left.push(members[i]!.proposal, members[j]!.proposal);
    right.push(members[j]!.proposal, members[i]!.proposal);
    y[2 * r] = d;
    y[2 * r + 1] = d;
  });
  const model = trainBoostedRegressor(pairMatrix(encoder, left, right), y, {
    nRounds: options.nRounds ?? 100,
    learningRate: options.learningRate ?? 0.1,
    maxDepth: options.maxDepth ?? 4,
    minSamplesLeaf: 2,
    seed: rng.nextUint32(),
  });
  return {
    predictPairs(a, b) {
      const ab = model.predict(pairMatrix(encoder, a, b));
      const ba = model.predict(pairMatrix(encoder, b, a));
      const out = new Float64Array(ab.length);
      for (let i = 0; i < out.length; i++) out[i] = 0.5 * (ab[i]! + ba[i]!);
      return out;
    },
  };
}

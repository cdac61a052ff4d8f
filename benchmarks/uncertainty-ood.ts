/**
 * The out-of-distribution test of the uncertainty benchmark: does epistemic uncertainty rise, and track the error,
 * on rows unlike the training rows?
 *
 * Design. The rows are standardized (one-hot for categories, the dense encoder the linear members use) and clustered
 * by k-means (k = 5, k-means++ seeding, seeded). The held-out cluster is the one whose centroid lies farthest from
 * the data's centre among clusters holding 5-35% of the rows: a region of feature space the model never sees, but
 * not a handful of outliers. The other rows are split 75 / 25 into training rows and in-distribution test rows.
 * After training on the training rows only, three figures:
 * - spearman_epistemic_error: rank correlation on the held-out cluster between each row's epistemic uncertainty and
 *   its error (|y - prediction| for regression; 1 - p(true class) for classification). The figure: does the
 *   model know which of the unfamiliar rows it gets wrong?
 * - auroc_ood: how well epistemic uncertainty tells held-out-cluster rows from in-distribution test rows (0.5 = not
 *   at all, 1 = perfectly).
 * - spearman_total_error, auroc_ood_total: the same with total uncertainty, for reference (what epistemic adds).
 * - epistemic_ratio and error_ratio: mean epistemic uncertainty and mean error on the held-out cluster over those on
 *   the in-distribution rows (error_ratio > 1 shows the held-out rows really are harder).
 */
import type { Dataset } from '../src/data/dataset.js';
import { fitDenseEncoder } from '../src/preprocess/dense-encoder.js';
import { rocAuc } from '../src/metrics/roc-auc.js';
import { Rng } from '../src/util/random.js';

export { spearman } from '../src/util/ranks.js';

export interface OodSplit {
  readonly train: Int32Array;
  readonly inDistribution: Int32Array;
  readonly outOfDistribution: Int32Array;
  readonly clusterShare: number;
}

const K = 5;
const ITERATIONS = 30;

/** Rows of `data` split into training, in-distribution test and held-out-cluster rows (see the module comment). */
export function clusterSplit(data: Dataset, seed: number): OodSplit {
  const encoder = fitDenseEncoder(data);
  const X = encoder.transform(data);
  const d = encoder.width;
  const n = data.nRows;
  const rng = new Rng(seed);
  const assignment = kMeans(X, n, d, K, rng);
  const sizes = new Int32Array(K);
  for (const a of assignment) sizes[a]!++;
  const centroids = centroidsOf(X, assignment, n, d, K);
  let chosen = -1;
  let farthest = -1;
  for (let c = 0; c < K; c++) {
    const share = sizes[c]! / n;
    if (share < 0.05 || share > 0.35) continue;
    let norm = 0;
    for (let j = 0; j < d; j++) norm += centroids[c * d + j]! ** 2;
    if (norm > farthest) {
      farthest = norm;
      chosen = c;
    }
  }
  if (chosen < 0) {
    // No cluster in range: the one whose share is closest to 20%.
    chosen = [...sizes.keys()].sort((a, b) => Math.abs(sizes[a]! / n - 0.2) - Math.abs(sizes[b]! / n - 0.2))[0]!;
  }
  const ood: number[] = [];
  const rest: number[] = [];
  for (let i = 0; i < n; i++) (assignment[i] === chosen ? ood : rest).push(i);
  const order = rng.permutation(rest.length);
  const cut = Math.round(rest.length * 0.75);
  const train = Int32Array.from(order.subarray(0, cut), (j) => rest[j]!).sort();
  const inDistribution = Int32Array.from(order.subarray(cut), (j) => rest[j]!).sort();
  return { train, inDistribution, outOfDistribution: Int32Array.from(ood), clusterShare: ood.length / n };
}

function kMeans(X: Float64Array, n: number, d: number, k: number, rng: Rng): Int32Array {
  // k-means++ seeding.
  const centroids = new Float64Array(k * d);
  const nearest = new Float64Array(n).fill(Infinity);
  let pick = rng.int(n);
  for (let c = 0; c < k; c++) {
    centroids.set(X.subarray(pick * d, (pick + 1) * d), c * d);
    let total = 0;
    for (let i = 0; i < n; i++) {
      nearest[i] = Math.min(nearest[i]!, distance(X, i, centroids, c, d));
      total += nearest[i]!;
    }
    let u = rng.next() * total;
    pick = n - 1;
    for (let i = 0; i < n; i++) {
      u -= nearest[i]!;
      if (u <= 0) {
        pick = i;
        break;
      }
    }
  }
  const assignment = new Int32Array(n);
  for (let it = 0; it < ITERATIONS; it++) {
    let changed = false;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestDistance = Infinity;
      for (let c = 0; c < k; c++) {
        const dist = distance(X, i, centroids, c, d);
        if (dist < bestDistance) {
          bestDistance = dist;
          best = c;
        }
      }
      if (assignment[i] !== best) changed = true;
      assignment[i] = best;
    }
    centroids.set(centroidsOf(X, assignment, n, d, k));
    if (!changed && it > 0) break;
  }
  return assignment;
}

function centroidsOf(X: Float64Array, assignment: Int32Array, n: number, d: number, k: number): Float64Array {
  const sums = new Float64Array(k * d);
  const counts = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    const c = assignment[i]!;
    counts[c]!++;
    for (let j = 0; j < d; j++) sums[c * d + j]! += X[i * d + j]!;
  }
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) sums[c * d + j] = counts[c]! > 0 ? sums[c * d + j]! / counts[c]! : 0;
  return sums;
}

function distance(X: Float64Array, i: number, centroids: Float64Array, c: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) s += (X[i * d + j]! - centroids[c * d + j]!) ** 2;
  return s;
}

/** ROC AUC of `score` for telling `positives` from `negatives` (0.5: not at all; 1: perfectly). */
export function auroc(positives: Float64Array, negatives: Float64Array): number {
  const y = new Int32Array(positives.length + negatives.length).fill(1, 0, positives.length);
  const pred = new Float64Array(2 * y.length);
  [...positives, ...negatives].forEach((v, i) => (pred[2 * i + 1] = v));
  return rocAuc(y, pred, 2);
}

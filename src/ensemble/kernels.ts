/**
 * Loss kernels: the inner loop of every weight-based selector, specialized per metric.
 *
 * A kernel scores weighted averages of pool members without materializing them. It works on an accumulator
 * (`acc`, `width` values per row, in a kernel-specific layout) that holds the SUM of the chosen members'
 * predictions (each added `times` times); the ensemble prediction is acc / total.
 *
 * Fast paths (each equals `metric.loss` on the averaged predictions up to floating-point rounding, checked in
 * test/ensemble/kernels.test.ts):
 * - log_loss: only the true-class probability and the row sum of each member matter: O(n) per candidate, and
 *   logarithms are taken of products of blocks of probabilities (one Math.log per ~12 rows).
 * - accuracy, balanced_accuracy, f1, f1_macro: argmax of (acc + member) per row, then per-class counts.
 * - rmse, mae, r2: residuals of (acc + member) / (total + 1) against y, O(n).
 * - roc_auc: rows pre-split into positives and negatives (per class for one-vs-rest); per candidate two native
 *   Float64Array sorts per class and one merge pass.
 * Any other metric takes the generic path: fill one reused n x k buffer and call `metric.loss`.
 */
import type { Labels, Metric, Predictions } from '../metrics/types.js';
import { AucKernel } from './auc-kernel.js';
import { addScaled, type LossKernel } from './kernel-base.js';
import { LabelKernel } from './label-kernel.js';

export type { LossKernel } from './kernel-base.js';

export interface KernelOptions {
  /** false forces the generic path (for tests and for comparing paths). Default true. */
  readonly fast?: boolean;
}

/** Builds the kernel for `metric` over `members` (each row-major n x k) and labels y. */
export function createKernel(
  members: readonly Predictions[],
  y: Labels,
  k: number,
  metric: Metric,
  options: KernelOptions = {},
): LossKernel {
  if (options.fast !== false) {
    switch (metric.name) {
      case 'log_loss':
        return new LogLossKernel(members, y, k);
      case 'accuracy':
      case 'balanced_accuracy':
      case 'f1':
      case 'f1_macro':
        return new LabelKernel(members, y, k, metric.name);
      case 'rmse':
      case 'mae':
      case 'r2':
        if (k === 1) return new RegressionKernel(members, y, metric.name);
        break;
      case 'roc_auc':
        return new AucKernel(members, y, k);
    }
  }
  return new GenericKernel(members, y, k, metric);
}

/** Generic path: materializes the average into one reused buffer and calls metric.loss. */
class GenericKernel implements LossKernel {
  readonly nRows: number;
  readonly accLength: number;
  readonly path = 'generic';
  private readonly buffer: Float64Array;
  constructor(
    private readonly members: readonly Predictions[],
    private readonly y: Labels,
    private readonly k: number,
    private readonly metric: Metric,
  ) {
    this.nRows = y.length;
    this.accLength = this.nRows * k;
    this.buffer = new Float64Array(this.accLength);
  }
  add(acc: Float64Array, member: number, times: number): void {
    addScaled(acc, this.members[member]!, times);
  }
  loss(acc: Float64Array, total: number): number {
    const inv = 1 / total;
    const buf = this.buffer;
    for (let i = 0; i < buf.length; i++) buf[i] = acc[i]! * inv;
    return this.metric.loss(this.y, buf, this.k);
  }
  lossWithMember(acc: Float64Array, total: number, member: number): number {
    const m = this.members[member]!;
    const inv = 1 / (total + 1);
    const buf = this.buffer;
    for (let i = 0; i < buf.length; i++) buf[i] = (acc[i]! + m[i]!) * inv;
    return this.metric.loss(this.y, buf, this.k);
  }
}

const LOG_EPS = 1e-15;
/** A product of probabilities is logged once below this; one more factor >= 1e-15 cannot underflow it. */
const PRODUCT_FLOOR = 1e-180;

/**
 * Log loss from true-class probabilities. acc layout: [n true-class sums | n row sums]. Row sums are kept so
 * that members whose rows do not sum exactly to 1 (Float32 rounding) are renormalized as the metric does.
 */
class LogLossKernel implements LossKernel {
  readonly nRows: number;
  readonly accLength: number;
  readonly path = 'log_loss';
  private readonly truth: Float64Array[];
  private readonly rowSums: Float64Array[];
  /** Every member's rows sum to 1 (within 1e-13): the ensemble's row sum is the total, no division per row. */
  private readonly normalized: boolean;
  constructor(members: readonly Predictions[], y: Labels, k: number) {
    const n = y.length;
    this.nRows = n;
    this.accLength = 2 * n;
    this.truth = [];
    this.rowSums = [];
    let normalized = true;
    for (const m of members) {
      const t = new Float64Array(n);
      const r = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const base = i * k;
        t[i] = m[base + y[i]!]!;
        let s = 0;
        for (let c = 0; c < k; c++) s += m[base + c]!;
        r[i] = s;
        if (!(Math.abs(s - 1) <= 1e-13)) normalized = false;
      }
      this.truth.push(t);
      this.rowSums.push(r);
    }
    this.normalized = normalized;
  }
  add(acc: Float64Array, member: number, times: number): void {
    const n = this.nRows;
    const t = this.truth[member]!;
    const r = this.rowSums[member]!;
    for (let i = 0; i < n; i++) {
      acc[i]! += times * t[i]!;
      acc[n + i]! += times * r[i]!;
    }
  }
  loss(acc: Float64Array, _total: number): number {
    const n = this.nRows;
    let logSum = 0;
    let product = 1;
    for (let i = 0; i < n; i++) {
      const rowSum = acc[n + i]!;
      let p = acc[i]! / rowSum;
      if (p < LOG_EPS) p = LOG_EPS;
      product *= p;
      if (product < PRODUCT_FLOOR) {
        logSum += Math.log(product);
        product = 1;
      }
    }
    return -(logSum + Math.log(product)) / n;
  }
  lossWithMember(acc: Float64Array, total: number, member: number): number {
    const n = this.nRows;
    const t = this.truth[member]!;
    if (this.normalized) return this.normalizedLoss(acc, t, 1 / (total + 1));
    const r = this.rowSums[member]!;
    let logSum = 0;
    let product = 1;
    for (let i = 0; i < n; i++) {
      let p = (acc[i]! + t[i]!) / (acc[n + i]! + r[i]!);
      if (p < LOG_EPS) p = LOG_EPS;
      product *= p;
      if (product < PRODUCT_FLOOR) {
        logSum += Math.log(product);
        product = 1;
      }
    }
    return -(logSum + Math.log(product)) / n;
  }
  /** Rows sum to 1: p = (acc + t) / (total + 1) with one multiplication. */
  private normalizedLoss(acc: Float64Array, t: Float64Array, inv: number): number {
    const n = this.nRows;
    let logSum = 0;
    let product = 1;
    for (let i = 0; i < n; i++) {
      let p = (acc[i]! + t[i]!) * inv;
      if (p < LOG_EPS) p = LOG_EPS;
      product *= p;
      if (product < PRODUCT_FLOOR) {
        logSum += Math.log(product);
        product = 1;
      }
    }
    return -(logSum + Math.log(product)) / n;
  }
}

/** RMSE / MAE / R² on k = 1 predictions: residuals of the running sum. acc: n sums. */
class RegressionKernel implements LossKernel {
  readonly nRows: number;
  readonly accLength: number;
  readonly path: string;
  private readonly totalSquares: number;
  constructor(
    private readonly members: readonly Predictions[],
    private readonly y: Labels,
    private readonly metricName: 'rmse' | 'mae' | 'r2',
  ) {
    const n = y.length;
    this.nRows = n;
    this.accLength = n;
    this.path = metricName;
    let mean = 0;
    for (let i = 0; i < n; i++) mean += y[i]!;
    mean /= n;
    let tss = 0;
    for (let i = 0; i < n; i++) tss += (y[i]! - mean) * (y[i]! - mean);
    this.totalSquares = tss;
  }
  add(acc: Float64Array, member: number, times: number): void {
    addScaled(acc, this.members[member]!, times);
  }
  loss(acc: Float64Array, total: number): number {
    return this.residualLoss(acc, null, 1 / total);
  }
  lossWithMember(acc: Float64Array, total: number, member: number): number {
    return this.residualLoss(acc, this.members[member]!, 1 / (total + 1));
  }
  private residualLoss(acc: Float64Array, m: Predictions | null, inv: number): number {
    const { nRows: n, y } = this;
    let sum = 0;
    if (this.metricName === 'mae') {
      for (let i = 0; i < n; i++) sum += Math.abs(y[i]! - (m === null ? acc[i]! : acc[i]! + m[i]!) * inv);
      return sum / n;
    }
    for (let i = 0; i < n; i++) {
      const d = y[i]! - (m === null ? acc[i]! : acc[i]! + m[i]!) * inv;
      sum += d * d;
    }
    if (this.metricName === 'rmse') return Math.sqrt(sum / n);
    if (this.totalSquares === 0) return sum === 0 ? -1 : 0;
    return -(1 - sum / this.totalSquares);
  }
}

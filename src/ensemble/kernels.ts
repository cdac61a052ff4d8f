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

export interface LossKernel {
  readonly nRows: number;
  /** Accumulator length: allocate `new Float64Array(kernel.accLength)`. */
  readonly accLength: number;
  /** Which implementation runs: the metric name for a fast path, 'generic' otherwise. */
  readonly path: string;
  /** acc += times * member `member`. */
  add(acc: Float64Array, member: number, times: number): void;
  /** Loss of the ensemble acc / total (total > 0). */
  loss(acc: Float64Array, total: number): number;
  /** Loss of (acc + member) / (total + 1), without changing acc. */
  lossWithMember(acc: Float64Array, total: number, member: number): number;
}

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

/** Every element of member j times `times` added to acc (shared by the kernels that keep full rows). */
function addScaled(acc: Float64Array, source: ArrayLike<number>, times: number): void {
  const len = acc.length;
  if (times === 1) for (let i = 0; i < len; i++) acc[i]! += source[i]!;
  else for (let i = 0; i < len; i++) acc[i]! += times * source[i]!;
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

type LabelMetricName = 'accuracy' | 'balanced_accuracy' | 'f1' | 'f1_macro';

/** Label metrics: argmax of the summed rows (ties to the lower class), then per-class counts. acc: n x k sums. */
class LabelKernel implements LossKernel {
  readonly nRows: number;
  readonly accLength: number;
  readonly path: string;
  private readonly truth: Int32Array;
  private readonly predicted: Int32Array;
  private readonly hit: Int32Array;
  constructor(
    private readonly members: readonly Predictions[],
    private readonly y: Labels,
    private readonly k: number,
    private readonly metricName: LabelMetricName,
  ) {
    this.nRows = y.length;
    this.accLength = this.nRows * k;
    this.path = metricName;
    this.truth = new Int32Array(k);
    for (let i = 0; i < this.nRows; i++) this.truth[y[i]!]!++;
    this.predicted = new Int32Array(k);
    this.hit = new Int32Array(k);
  }
  add(acc: Float64Array, member: number, times: number): void {
    addScaled(acc, this.members[member]!, times);
  }
  loss(acc: Float64Array, _total: number): number {
    return this.count(acc, null);
  }
  lossWithMember(acc: Float64Array, _total: number, member: number): number {
    return this.count(acc, this.members[member]!);
  }
  private count(acc: Float64Array, m: Predictions | null): number {
    const { nRows: n, k, y, predicted, hit } = this;
    predicted.fill(0);
    hit.fill(0);
    for (let i = 0; i < n; i++) {
      const base = i * k;
      let best = 0;
      let bestValue = m === null ? acc[base]! : acc[base]! + m[base]!;
      for (let c = 1; c < k; c++) {
        const v = m === null ? acc[base + c]! : acc[base + c]! + m[base + c]!;
        if (v > bestValue) {
          bestValue = v;
          best = c;
        }
      }
      predicted[best]!++;
      if (best === y[i]) hit[best]!++;
    }
    return -this.scoreFromCounts();
  }
  private scoreFromCounts(): number {
    const { k, truth, predicted, hit } = this;
    switch (this.metricName) {
      case 'accuracy': {
        let correct = 0;
        for (let c = 0; c < k; c++) correct += hit[c]!;
        return correct / this.nRows;
      }
      case 'balanced_accuracy': {
        let sum = 0;
        let present = 0;
        for (let c = 0; c < k; c++) {
          if (truth[c]! > 0) {
            sum += hit[c]! / truth[c]!;
            present++;
          }
        }
        return sum / present;
      }
      case 'f1':
        return classF1(truth[1]!, predicted[1]!, hit[1]!);
      case 'f1_macro': {
        let sum = 0;
        let present = 0;
        for (let c = 0; c < k; c++) {
          if (truth[c]! > 0 || predicted[c]! > 0) {
            sum += classF1(truth[c]!, predicted[c]!, hit[c]!);
            present++;
          }
        }
        return sum / present;
      }
    }
  }
}

function classF1(truth: number, predicted: number, hit: number): number {
  const denominator = truth + predicted;
  return denominator === 0 ? 0 : (2 * hit) / denominator;
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

/**
 * ROC AUC (binary: column 1; multiclass: one-vs-rest macro over classes present with both sides).
 * acc layout: per scored class, its column's sums over the positive rows, then over the negative rows.
 * Rank order is unchanged by dividing by the total, so sums are ranked directly.
 */
class AucKernel implements LossKernel {
  readonly nRows: number;
  readonly accLength: number;
  readonly path = 'roc_auc';
  /** Per scored class: offset into acc, number of positives, number of negatives. */
  private readonly blocks: { offset: number; nPos: number; nNeg: number }[] = [];
  /** Per member: its values in the acc layout. */
  private readonly laidOut: Float64Array[];
  private readonly pos: Float64Array;
  private readonly neg: Float64Array;
  constructor(members: readonly Predictions[], y: Labels, k: number) {
    const n = y.length;
    this.nRows = n;
    const classes = k === 2 ? [1] : Array.from({ length: k }, (_, c) => c);
    const rowOrders: Int32Array[] = [];
    let offset = 0;
    for (const c of classes) {
      let nPos = 0;
      for (let i = 0; i < n; i++) if (y[i] === c) nPos++;
      if (nPos === 0 || nPos === n) continue;
      const order = new Int32Array(n);
      let p = 0;
      let q = nPos;
      for (let i = 0; i < n; i++) order[y[i] === c ? p++ : q++] = i;
      rowOrders.push(order);
      this.blocks.push({ offset, nPos, nNeg: n - nPos });
      offset += n;
    }
    this.accLength = offset;
    const scored = classes.filter((c) => {
      let nPos = 0;
      for (let i = 0; i < n; i++) if (y[i] === c) nPos++;
      return nPos > 0 && nPos < n;
    });
    this.laidOut = members.map((m) => {
      const out = new Float64Array(offset);
      for (let b = 0; b < scored.length; b++) {
        const order = rowOrders[b]!;
        const column = scored[b]!;
        const base = this.blocks[b]!.offset;
        for (let i = 0; i < n; i++) out[base + i] = m[order[i]! * k + column]!;
      }
      return out;
    });
    this.pos = new Float64Array(n);
    this.neg = new Float64Array(n);
  }
  add(acc: Float64Array, member: number, times: number): void {
    addScaled(acc, this.laidOut[member]!, times);
  }
  loss(acc: Float64Array, _total: number): number {
    return this.meanAuc(acc, null);
  }
  lossWithMember(acc: Float64Array, _total: number, member: number): number {
    return this.meanAuc(acc, this.laidOut[member]!);
  }
  private meanAuc(acc: Float64Array, m: Float64Array | null): number {
    if (this.blocks.length === 0) return NaN;
    let sum = 0;
    for (const { offset, nPos, nNeg } of this.blocks) {
      const pos = this.pos.subarray(0, nPos);
      const neg = this.neg.subarray(0, nNeg);
      for (let i = 0; i < nPos; i++) pos[i] = m === null ? acc[offset + i]! : acc[offset + i]! + m[offset + i]!;
      const negBase = offset + nPos;
      for (let i = 0; i < nNeg; i++) neg[i] = m === null ? acc[negBase + i]! : acc[negBase + i]! + m[negBase + i]!;
      pos.sort();
      neg.sort();
      sum += sortedAuc(pos, neg);
    }
    return -sum / this.blocks.length;
  }
}

/** AUC from sorted positive and negative scores: one merge pass, ties count one half. */
export function sortedAuc(pos: Float64Array, neg: Float64Array): number {
  const nPos = pos.length;
  const nNeg = neg.length;
  let below = 0;
  let sum = 0;
  let i = 0;
  while (i < nPos) {
    const s = pos[i]!;
    let run = 1;
    while (i + run < nPos && pos[i + run] === s) run++;
    while (below < nNeg && neg[below]! < s) below++;
    let equal = 0;
    while (below + equal < nNeg && neg[below + equal] === s) equal++;
    sum += run * (below + equal / 2);
    i += run;
  }
  return sum / nPos / nNeg;
}

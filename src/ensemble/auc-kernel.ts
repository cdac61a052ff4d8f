/** ROC AUC kernel: rows pre-split into positives and negatives, two native sorts and a merge per candidate. */
import type { Labels, Predictions } from '../metrics/types.js';
import { addScaled, type LossKernel } from './kernel-base.js';

/**
 * ROC AUC (binary: column 1; multiclass: one-vs-rest macro over classes present with both sides).
 * acc layout: per scored class, its column's sums over the positive rows, then over the negative rows.
 * Rank order is unchanged by dividing by the total, so sums are ranked directly.
 */
export class AucKernel implements LossKernel {
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

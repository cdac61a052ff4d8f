import { Rng } from '../../util/random.js';
import { MISSING_BIN, type BinMapper } from './binning.js';
import type { ForestParams } from './forest.js';

/** A chosen forest split (numeric-style on bins: bins <= bin go left; missing per missingLeft). */
export interface NodeSplit {
  feature: number;
  bin: number;
  missingLeft: boolean;
  isCategorical: boolean;
  catBits: Uint32Array;
}

function xlogx(x: number): number {
  return x > 0 ? x * Math.log(x) : 0;
}

/**
 * Impurity-based split search for forests over column-major bins. Best splits counting-sort the node's rows by
 * bin (O(rows + 256) per feature, independent of the number of classes) and scan them once per missing-value
 * direction, updating the criterion incrementally; extra trees draw one threshold per feature and score it in
 * one pass. Impurity proxies (larger is better): gini sum(L^2)/WL + sum(R^2)/WR; entropy -(WL*H(L) + WR*H(R));
 * squared error SL^2/WL + SR^2/WR.
 */
export class SplitFinder {
  private readonly k: number;
  private readonly yc: Int32Array | null;
  private readonly yr: Float64Array | null;
  private readonly total: Float64Array;
  private readonly L: Float64Array;
  private readonly R: Float64Array;
  private readonly cnt = new Int32Array(256);
  private readonly pos = new Int32Array(256);
  private readonly sorted: Int32Array;
  private readonly featPerm: Int32Array;
  private W = 0;
  private SY = 0;
  /** Running sums of a scan (weights and criterion accumulators of both sides). */
  private readonly scanState = { WL: 0, WR: 0, aL: 0, aR: 0 };
  private best = -Infinity;

  constructor(
    private readonly bins: Uint8Array,
    private readonly n: number,
    private readonly mapper: BinMapper,
    y: Int32Array | Float64Array,
    nClasses: number,
    private readonly p: ForestParams,
  ) {
    this.k = nClasses;
    this.yc = nClasses > 0 ? Int32Array.from(y) : null;
    this.yr = nClasses > 0 ? null : Float64Array.from(y);
    const width = Math.max(nClasses, 1);
    this.total = new Float64Array(width);
    this.L = new Float64Array(width);
    this.R = new Float64Array(width);
    this.sorted = new Int32Array(n);
    this.featPerm = new Int32Array(mapper.nFeatures);
    for (let f = 0; f < mapper.nFeatures; f++) this.featPerm[f] = f;
  }

  /** Node totals; writes the leaf output (class proportions or mean) to `leaf`; returns true if the node is pure. */
  nodeStats(rows: Int32Array, start: number, end: number, w: Float64Array, leaf: Float64Array): boolean {
    let W = 0;
    if (this.yc !== null) {
      const y = this.yc;
      const t = this.total;
      t.fill(0);
      for (let i = start; i < end; i++) {
        const r = rows[i]!;
        t[y[r]!] += w[r]!;
        W += w[r]!;
      }
      let maxW = 0;
      for (let c = 0; c < this.k; c++) {
        leaf[c] = t[c]! / W;
        if (t[c]! > maxW) maxW = t[c]!;
      }
      this.W = W;
      return maxW >= W;
    }
    const y = this.yr!;
    let sy = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = start; i < end; i++) {
      const r = rows[i]!;
      const v = y[r]!;
      sy += w[r]! * v;
      W += w[r]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    this.W = W;
    this.SY = sy;
    leaf[0] = sy / W;
    return lo === hi;
  }

  /** Best (or random, for extra trees) split of the node last passed to nodeStats; false when none is valid. */
  findSplit(rows: Int32Array, start: number, end: number, w: Float64Array, rng: Rng, out: NodeSplit): boolean {
    const d = this.mapper.nFeatures;
    const perm = this.featPerm;
    this.best = -Infinity;
    out.feature = -1;
    let informative = 0;
    for (let i = 0; i < d && informative < this.p.maxFeatures; i++) {
      const j = i + rng.int(d - i);
      const f = perm[j]!;
      perm[j] = perm[i]!;
      perm[i] = f;
      const off = f * this.n;
      const cnt = this.cnt;
      const counting = !this.p.randomSplits;
      if (counting) cnt.fill(0);
      let minB = MISSING_BIN;
      let maxB = -1;
      let nMiss = 0;
      for (let q = start; q < end; q++) {
        const b = this.bins[off + rows[q]!]!;
        if (counting) cnt[b]++;
        if (b !== MISSING_BIN) {
          if (b < minB) minB = b;
          if (b > maxB) maxB = b;
        } else nMiss++;
      }
      if (!(maxB > minB || (maxB >= 0 && nMiss > 0))) continue;
      informative++;
      if (this.p.randomSplits) this.randomSplit(f, off, rows, start, end, w, minB, maxB, nMiss, rng, out);
      else {
        this.countingSort(off, rows, start, end, minB, maxB);
        this.scan(f, w, end - start, minB, maxB, nMiss, false, out);
        if (nMiss > 0) this.scan(f, w, end - start, minB, maxB, nMiss, true, out);
      }
    }
    return out.feature >= 0;
  }

  private countingSort(off: number, rows: Int32Array, start: number, end: number, minB: number, maxB: number): void {
    const cnt = this.cnt;
    const pos = this.pos;
    let p0 = 0;
    for (let b = minB; b <= maxB; b++) {
      pos[b] = p0;
      p0 += cnt[b]!;
    }
    pos[MISSING_BIN] = p0;
    for (let q = start; q < end; q++) {
      const r = rows[q]!;
      this.sorted[pos[this.bins[off + r]!]!++] = r;
    }
  }

  /** Scan thresholds in bin order with missing rows on one side; records improvements in `out`. */
  private scan(f: number, w: Float64Array, count: number, minB: number, maxB: number, nMiss: number, missLeft: boolean, out: NodeSplit): void {
    const cnt = this.cnt;
    const msl = this.p.minSamplesLeaf;
    const nonMiss = count - nMiss;
    const entropy = this.p.criterion === 'entropy';
    const classes = this.yc !== null;
    const st = this.scanState;
    st.WL = 0;
    st.WR = this.W;
    st.aL = 0; // gini: sum L^2; entropy: sum L log L; regression: SL
    st.aR = 0;
    if (classes) {
      this.L.fill(0);
      this.R.set(this.total);
      for (let c = 0; c < this.k; c++) st.aR += entropy ? xlogx(this.R[c]!) : this.R[c]! * this.R[c]!;
    } else st.aR = this.SY;
    let nL = 0;
    if (missLeft) {
      this.moveRows(nonMiss, count, w, classes, entropy);
      nL = nMiss;
    }
    let idx = 0;
    for (let b = minB; b <= maxB; b++) {
      const c = cnt[b]!;
      if (c === 0) continue;
      this.moveRows(idx, idx + c, w, classes, entropy);
      idx += c;
      nL += c;
      if (b === maxB && (missLeft || nMiss === 0)) break;
      if (nL < msl || count - nL < msl || st.WL <= 0 || st.WR <= 0) continue;
      const proxy = this.proxy(st.aL, st.aR, st.WL, st.WR, entropy);
      if (proxy > this.best) {
        this.best = proxy;
        out.feature = f;
        out.bin = b;
        out.missingLeft = nMiss > 0 ? missLeft : nL >= count - nL;
      }
    }
  }

  /** Move sorted rows [from, to) from the right to the left side, updating the criterion incrementally. */
  private moveRows(from: number, to: number, w: Float64Array, classes: boolean, entropy: boolean): void {
    const sorted = this.sorted;
    const st = this.scanState;
    let WL = st.WL;
    let WR = st.WR;
    let aL = st.aL;
    let aR = st.aR;
    if (!classes) {
      const y = this.yr!;
      for (let j = from; j < to; j++) {
        const r = sorted[j]!;
        const wt = w[r]!;
        WL += wt;
        WR -= wt;
        aL += wt * y[r]!;
        aR -= wt * y[r]!;
      }
    } else {
      const y = this.yc!;
      const L = this.L;
      const R = this.R;
      for (let j = from; j < to; j++) {
        const r = sorted[j]!;
        const wt = w[r]!;
        const c = y[r]!;
        const lv = L[c]!;
        const rv = R[c]!;
        WL += wt;
        WR -= wt;
        if (entropy) {
          aL += xlogx(lv + wt) - xlogx(lv);
          aR += xlogx(rv - wt) - xlogx(rv);
        } else {
          aL += wt * (2 * lv + wt);
          aR += wt * (wt - 2 * rv);
        }
        L[c] = lv + wt;
        R[c] = rv - wt;
      }
    }
    st.WL = WL;
    st.WR = WR;
    st.aL = aL;
    st.aR = aR;
  }

  private proxy(aL: number, aR: number, WL: number, WR: number, entropy: boolean): number {
    if (this.yc === null) return (aL * aL) / WL + (aR * aR) / WR;
    if (entropy) return aL - xlogx(WL) + aR - xlogx(WR);
    return aL / WL + aR / WR;
  }

  private randomSplit(
    f: number,
    off: number,
    rows: Int32Array,
    start: number,
    end: number,
    w: Float64Array,
    minB: number,
    maxB: number,
    nMiss: number,
    rng: Rng,
    out: NodeSplit,
  ): void {
    const thr = maxB > minB ? minB + rng.int(maxB - minB) : maxB;
    const missLeft = maxB > minB && nMiss > 0 ? rng.next() < 0.5 : false;
    const L = this.L;
    const yc = this.yc;
    const yr = this.yr;
    L.fill(0);
    let WL = 0;
    let SL = 0;
    let nL = 0;
    for (let q = start; q < end; q++) {
      const r = rows[q]!;
      const b = this.bins[off + r]!;
      if (b === MISSING_BIN ? !missLeft : b > thr) continue;
      const wt = w[r]!;
      nL++;
      WL += wt;
      if (yc !== null) L[yc[r]!] += wt;
      else SL += wt * yr![r]!;
    }
    const count = end - start;
    const WR = this.W - WL;
    if (nL < this.p.minSamplesLeaf || count - nL < this.p.minSamplesLeaf || WL <= 0 || WR <= 0) return;
    let proxy: number;
    if (yc === null) proxy = (SL * SL) / WL + ((this.SY - SL) * (this.SY - SL)) / WR;
    else {
      const entropy = this.p.criterion === 'entropy';
      let aL = 0;
      let aR = 0;
      for (let c = 0; c < this.k; c++) {
        const l = L[c]!;
        const r = this.total[c]! - l;
        aL += entropy ? xlogx(l) : l * l;
        aR += entropy ? xlogx(r) : r * r;
      }
      proxy = this.proxy(aL, aR, WL, WR, entropy);
    }
    if (proxy > this.best) {
      this.best = proxy;
      out.feature = f;
      out.bin = thr;
      out.missingLeft = nMiss > 0 ? missLeft : nL >= count - nL;
    }
  }
}

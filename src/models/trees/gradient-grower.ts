import { rawThreshold, MISSING_BIN, type BinMapper } from './binning.js';
import { buildHistogram, HistogramPool, subtractHistogram } from './histogram.js';
import type { TreeBuilder } from './predictor.js';
import { findBestSplit, SplitInfo, SplitScratch, type SplitParams } from './split.js';

export interface GrowParams extends SplitParams {
  /** Maximum leaves per tree (best-first growth stops there); Infinity for depth-wise growth. */
  readonly maxLeaves: number;
  /** Maximum depth (root = 0); Infinity for none. */
  readonly maxDepth: number;
  /** Shrinkage applied to leaf values. */
  readonly learningRate: number;
}

interface GrowNode {
  readonly id: number;
  readonly start: number;
  readonly end: number;
  readonly depth: number;
  readonly g: number;
  readonly h: number;
  hist: Float64Array | null;
  split: SplitInfo | null;
}

/**
 * Grows one regression tree on gradients/hessians over binned rows, best first: the leaf with the largest gain
 * is split next until `maxLeaves` or no gain is left. With `maxLeaves = Infinity` this is depth-wise growth up to
 * `maxDepth` (the order of splits does not change the tree). Each split builds the histogram of the smaller
 * child and derives the larger one by subtraction from the parent's.
 * Buffers are allocated once per grower and reused for every tree.
 */
export class GradientTreeGrower {
  private readonly rows: Int32Array;
  private readonly tmp: Int32Array;
  private readonly pool: HistogramPool;
  private readonly scratch = new SplitScratch();
  private readonly splitPool: SplitInfo[] = [];

  constructor(
    private readonly bins: Uint8Array,
    /** The same bins column-major, for partitioning (rows stay ascending within a node, so this streams). */
    private readonly colBins: Uint8Array,
    private readonly nRows: number,
    private readonly mapper: BinMapper,
    private readonly params: GrowParams,
  ) {
    this.rows = new Int32Array(nRows);
    this.tmp = new Int32Array(nRows);
    this.pool = new HistogramPool(mapper.nFeatures);
  }

  /**
   * Grow a tree into `builder` (output column `output`), on rows `sample[0..nSample)` (ascending) or all rows
   * when `sample` is null, using the active `features`. Adds each leaf value to `rawColumn[row]` of the rows
   * it holds (the training scores of this tree's output).
   */
  grow(
    builder: TreeBuilder,
    output: number,
    g: Float64Array,
    h: Float64Array,
    sample: Int32Array | null,
    nSample: number,
    features: Int32Array,
    nActive: number,
    rawColumn: Float64Array,
  ): void {
    const p = this.params;
    const rows = this.rows;
    let sumG = 0;
    let sumH = 0;
    if (sample === null) {
      for (let i = 0; i < nSample; i++) {
        rows[i] = i;
        sumG += g[i]!;
        sumH += h[i]!;
      }
    } else {
      for (let i = 0; i < nSample; i++) {
        const r = sample[i]!;
        rows[i] = r;
        sumG += g[r]!;
        sumH += h[r]!;
      }
    }
    builder.beginTree(output);
    const root: GrowNode = { id: builder.addNode(), start: 0, end: nSample, depth: 0, g: sumG, h: sumH, hist: null, split: null };
    const candidates: GrowNode[] = [];
    const leaves: GrowNode[] = [];
    if (this.splittable(root)) {
      root.hist = this.pool.acquire();
      const d = this.mapper.nFeatures;
      if (sample === null) buildHistogram(root.hist, this.bins, d, features, nActive, null, 0, nSample, g, h, this.mapper.nBins);
      else this.histOf(root, features, nActive, g, h);
      this.evaluate(root, features, nActive);
    }
    this.settle(root, candidates, leaves);
    let nLeaves = 1;
    while (candidates.length > 0 && nLeaves < p.maxLeaves) {
      let bi = 0;
      for (let i = 1; i < candidates.length; i++) if (candidates[i]!.split!.gain > candidates[bi]!.split!.gain) bi = i;
      const node = candidates[bi]!;
      candidates[bi] = candidates[candidates.length - 1]!;
      candidates.pop();
      const [left, right] = this.applySplit(builder, node);
      nLeaves++;
      this.childHistograms(node, left, right, features, nActive, g, h);
      if (left.hist !== null) this.evaluate(left, features, nActive);
      if (right.hist !== null) this.evaluate(right, features, nActive);
      this.settle(left, candidates, leaves);
      this.settle(right, candidates, leaves);
    }
    for (const c of candidates) this.release(c);
    leaves.push(...candidates);
    const leafValue = [0];
    for (const leaf of leaves) {
      const v = (-leaf.g / (leaf.h + p.lambda)) * p.learningRate;
      leafValue[0] = v;
      builder.setLeaf(leaf.id, leafValue);
      for (let i = leaf.start; i < leaf.end; i++) rawColumn[rows[i]!] += v;
    }
  }

  private splittable(n: GrowNode): boolean {
    const p = this.params;
    const count = n.end - n.start;
    return n.depth < p.maxDepth && count >= 2 * p.minSamplesLeaf && count >= 2 && n.h >= 2 * p.minChildWeight;
  }

  private histOf(n: GrowNode, features: Int32Array, nActive: number, g: Float64Array, h: Float64Array): void {
    buildHistogram(n.hist!, this.bins, this.mapper.nFeatures, features, nActive, this.rows, n.start, n.end, g, h, this.mapper.nBins);
  }

  private evaluate(n: GrowNode, features: Int32Array, nActive: number): void {
    const s = this.splitPool.pop() ?? new SplitInfo();
    findBestSplit(n.hist!, features, nActive, this.mapper, n.g, n.h, n.end - n.start, this.params, s, this.scratch);
    if (s.feature < 0) this.splitPool.push(s);
    else n.split = s;
  }

  /** A node with a split waits in `candidates` (keeping its histogram); others become leaves. */
  private settle(n: GrowNode, candidates: GrowNode[], leaves: GrowNode[]): void {
    if (n.split !== null) candidates.push(n);
    else {
      this.release(n);
      leaves.push(n);
    }
  }

  private release(n: GrowNode): void {
    if (n.hist !== null) this.pool.release(n.hist);
    n.hist = null;
    if (n.split !== null) this.splitPool.push(n.split);
    n.split = null;
  }

  private applySplit(builder: TreeBuilder, node: GrowNode): [GrowNode, GrowNode] {
    const s = node.split!;
    const f = s.feature;
    builder.setSplit(
      node.id,
      f,
      s.isCategorical ? this.mapper.nBins[f]! - 1 : rawThreshold(this.mapper, f, s.bin),
      s.bin,
      s.missingLeft,
      s.isCategorical ? s.catBits : null,
    );
    const mid = partitionRows(this.rows, this.tmp, node.start, node.end, this.colBins, f * this.nRows, 1, s);
    const l = builder.addNode();
    const r = builder.addNode();
    builder.setChildren(node.id, l, r);
    const depth = node.depth + 1;
    const left: GrowNode = { id: l, start: node.start, end: mid, depth, g: s.leftG, h: s.leftH, hist: null, split: null };
    const right: GrowNode = {
      id: r,
      start: mid,
      end: node.end,
      depth,
      g: node.g - s.leftG,
      h: node.h - s.leftH,
      hist: null,
      split: null,
    };
    this.splitPool.push(s);
    node.split = null;
    return [left, right];
  }

  /** Give splittable children a histogram: build the smaller, subtract it from the parent for the larger. */
  private childHistograms(
    parent: GrowNode,
    left: GrowNode,
    right: GrowNode,
    features: Int32Array,
    nActive: number,
    g: Float64Array,
    h: Float64Array,
  ): void {
    const leftSmall = left.end - left.start <= right.end - right.start;
    const small = leftSmall ? left : right;
    const large = leftSmall ? right : left;
    const smallOk = this.splittable(small);
    const largeOk = this.splittable(large);
    const parentHist = parent.hist!;
    parent.hist = null;
    if (!smallOk && !largeOk) {
      this.pool.release(parentHist);
      return;
    }
    small.hist = this.pool.acquire();
    this.histOf(small, features, nActive, g, h);
    if (largeOk) {
      subtractHistogram(parentHist, small.hist, features, nActive, this.mapper.nBins);
      large.hist = parentHist;
    } else this.pool.release(parentHist);
    if (!smallOk) {
      this.pool.release(small.hist);
      small.hist = null;
    }
  }
}

/**
 * Stable in-place partition of rows[start..end) by a split; returns the first right index.
 * Bin of row r for the split feature: bins[r * rowStride + feature] (row-major: stride = nFeatures; column-major:
 * pass feature * nRows as `feature` and stride 1).
 */
export function partitionRows(
  rows: Int32Array,
  tmp: Int32Array,
  start: number,
  end: number,
  bins: Uint8Array,
  feature: number,
  rowStride: number,
  s: { bin: number; missingLeft: boolean; isCategorical: boolean; catBits: Uint32Array },
): number {
  // Branch-free: each row is written to both outputs and only the matching cursor advances (the left/right
  // decision is a coin flip for the branch predictor).
  let nl = start;
  let nr = 0;
  const missLeft = s.missingLeft ? 1 : 0;
  if (s.isCategorical) {
    const bits = s.catBits;
    for (let i = start; i < end; i++) {
      const r = rows[i]!;
      const b = bins[r * rowStride + feature]!;
      const left = (bits[b >>> 5]! >>> (b & 31)) & 1;
      rows[nl] = r;
      tmp[nr] = r;
      nl += left;
      nr += 1 - left;
    }
  } else {
    const t = s.bin;
    for (let i = start; i < end; i++) {
      const r = rows[i]!;
      const b = bins[r * rowStride + feature]!;
      const left = b === MISSING_BIN ? missLeft : b <= t ? 1 : 0;
      rows[nl] = r;
      tmp[nr] = r;
      nl += left;
      nr += 1 - left;
    }
  }
  rows.set(tmp.subarray(0, nr), nl);
  return nl;
}

import type { TreeMatrix } from '../../preprocess/types.js';
import { DataError } from '../../util/errors.js';
import { MISSING_BIN } from './binning.js';
import { compiledTrees, encodeRows, fastLeaves } from './compiled.js';

/**
 * A fitted tree ensemble as plain typed arrays (a data-only predictor, as in scikit-learn's HistGradientBoosting).
 * Nodes of all trees live in one set of arrays; `roots[t]` is tree t's root.
 * - internal node: `feature >= 0`; numeric split `x <= threshold` goes left; categorical split (catOffset >= 0)
 *   sends bin `min(code, threshold)` left when its bit is set in `catBits[catOffset .. catOffset + 8)`;
 *   NaN goes left when `missingLeft` is 1.
 * - leaf: `feature === -1`; its `leafWidth` outputs are `values[valueOffset .. valueOffset + leafWidth)`.
 * Tree t adds its leaf outputs to columns `treeOutput[t] .. treeOutput[t] + leafWidth` of the raw output.
 */
export interface TreeArrays {
  readonly nFeatures: number;
  readonly nOutputs: number;
  readonly leafWidth: number;
  readonly roots: Int32Array;
  readonly treeOutput: Int32Array;
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly missingLeft: Uint8Array;
  readonly catOffset: Int32Array;
  readonly valueOffset: Int32Array;
  readonly values: Float64Array;
  readonly catBits: Uint32Array;
  /** Training-time bin of each split (binned traversal); not needed for raw prediction. */
  readonly splitBin: Uint8Array;
}

/** Growable node storage used while training; `finish()` packs it into TreeArrays. */
export class TreeBuilder {
  readonly nFeatures: number;
  readonly nOutputs: number;
  readonly leafWidth: number;
  nNodes = 0;
  private roots: number[] = [];
  private treeOutput: number[] = [];
  feature = new Int32Array(256);
  threshold = new Float64Array(256);
  left = new Int32Array(256);
  right = new Int32Array(256);
  missingLeft = new Uint8Array(256);
  catOffset = new Int32Array(256);
  valueOffset = new Int32Array(256);
  splitBin = new Uint8Array(256);
  private values = new Float64Array(256);
  private nValues = 0;
  private catBits = new Uint32Array(64);
  private nCatWords = 0;

  constructor(nFeatures: number, nOutputs: number, leafWidth: number) {
    this.nFeatures = nFeatures;
    this.nOutputs = nOutputs;
    this.leafWidth = leafWidth;
  }

  get nTrees(): number {
    return this.roots.length;
  }

  rootOf(tree: number): number {
    return this.roots[tree]!;
  }

  /** Start a tree: its first added node is its root. */
  beginTree(outputColumn: number): void {
    this.roots.push(this.nNodes);
    this.treeOutput.push(outputColumn);
  }

  /** Add a node (a leaf until `setSplit`); returns its index. */
  addNode(): number {
    if (this.nNodes === this.feature.length) this.grow();
    const i = this.nNodes++;
    this.feature[i] = -1;
    this.left[i] = -1;
    this.right[i] = -1;
    this.catOffset[i] = -1;
    this.valueOffset[i] = -1;
    return i;
  }

  setSplit(node: number, f: number, threshold: number, bin: number, missingLeft: boolean, cat: Uint32Array | null): void {
    this.feature[node] = f;
    this.threshold[node] = threshold;
    this.splitBin[node] = bin;
    this.missingLeft[node] = missingLeft ? 1 : 0;
    if (cat !== null) {
      if (this.nCatWords + 8 > this.catBits.length) {
        const nb = new Uint32Array(this.catBits.length * 2);
        nb.set(this.catBits);
        this.catBits = nb;
      }
      this.catBits.set(cat, this.nCatWords);
      this.catOffset[node] = this.nCatWords;
      this.nCatWords += 8;
    }
  }

  setChildren(node: number, l: number, r: number): void {
    this.left[node] = l;
    this.right[node] = r;
  }

  /** Make `node` a leaf with the given outputs (leafWidth values starting at `src[offset]`). */
  setLeaf(node: number, src: ArrayLike<number>, offset = 0): void {
    if (this.nValues + this.leafWidth > this.values.length) {
      const nv = new Float64Array(Math.max(this.values.length * 2, this.nValues + this.leafWidth));
      nv.set(this.values);
      this.values = nv;
    }
    this.feature[node] = -1;
    this.valueOffset[node] = this.nValues;
    for (let j = 0; j < this.leafWidth; j++) this.values[this.nValues + j] = src[offset + j]!;
    this.nValues += this.leafWidth;
  }

  /** Drop trees from index `nTrees` on (early stopping keeps the best prefix). */
  truncate(nTrees: number): void {
    if (nTrees >= this.roots.length) return;
    const firstDropped = this.roots[nTrees]!;
    this.roots.length = nTrees;
    this.treeOutput.length = nTrees;
    let nValues = 0;
    let nCat = 0;
    for (let i = 0; i < firstDropped; i++) {
      if (this.valueOffset[i]! >= 0) nValues = Math.max(nValues, this.valueOffset[i]! + this.leafWidth);
      if (this.catOffset[i]! >= 0) nCat = Math.max(nCat, this.catOffset[i]! + 8);
    }
    this.nNodes = firstDropped;
    this.nValues = nValues;
    this.nCatWords = nCat;
  }

  finish(): TreeArrays {
    const n = this.nNodes;
    return {
      nFeatures: this.nFeatures,
      nOutputs: this.nOutputs,
      leafWidth: this.leafWidth,
      roots: Int32Array.from(this.roots),
      treeOutput: Int32Array.from(this.treeOutput),
      feature: this.feature.slice(0, n),
      threshold: this.threshold.slice(0, n),
      left: this.left.slice(0, n),
      right: this.right.slice(0, n),
      missingLeft: this.missingLeft.slice(0, n),
      catOffset: this.catOffset.slice(0, n),
      valueOffset: this.valueOffset.slice(0, n),
      values: this.values.slice(0, this.nValues),
      catBits: this.catBits.slice(0, this.nCatWords),
      splitBin: this.splitBin.slice(0, n),
    };
  }

  /** Leaf reached by row `row` of a column-major binned matrix, in the tree rooted at `root`. */
  leafOfBinned(root: number, bins: Uint8Array, nRows: number, row: number): number {
    let node = root;
    while (this.feature[node]! >= 0) {
      const b = bins[this.feature[node]! * nRows + row]!;
      let goLeft: boolean;
      if (b === MISSING_BIN) goLeft = this.missingLeft[node] === 1;
      else if (this.catOffset[node]! >= 0) goLeft = ((this.catBits[this.catOffset[node]! + (b >>> 5)]! >>> (b & 31)) & 1) === 1;
      else goLeft = b <= this.splitBin[node]!;
      node = goLeft ? this.left[node]! : this.right[node]!;
    }
    return node;
  }

  leafValue(node: number, j = 0): number {
    return this.values[this.valueOffset[node]! + j]!;
  }

  private grow(): void {
    const cap = this.feature.length * 2;
    const g = <T extends Int32Array | Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.feature = g(this.feature, (c) => new Int32Array(c));
    this.threshold = g(this.threshold, (c) => new Float64Array(c));
    this.left = g(this.left, (c) => new Int32Array(c));
    this.right = g(this.right, (c) => new Int32Array(c));
    this.missingLeft = g(this.missingLeft, (c) => new Uint8Array(c));
    this.catOffset = g(this.catOffset, (c) => new Int32Array(c));
    this.valueOffset = g(this.valueOffset, (c) => new Int32Array(c));
    this.splitBin = g(this.splitBin, (c) => new Uint8Array(c));
  }
}

/** Index of the leaf that row `row` of X reaches in the tree rooted at `root`, walking the raw floats. */
export function leafOf(t: TreeArrays, cols: readonly Float64Array[], root: number, row: number): number {
  const { feature, threshold, left, right, missingLeft, catOffset, catBits } = t;
  let node = root;
  let f = feature[node]!;
  while (f >= 0) {
    const x = cols[f]![row]!;
    let goLeft: boolean;
    if (x !== x) goLeft = missingLeft[node] === 1;
    else {
      const co = catOffset[node]!;
      if (co < 0) goLeft = x <= threshold[node]!;
      else {
        const last = threshold[node]!;
        const b = x >= last ? last : x <= 0 ? 0 : x | 0;
        goLeft = ((catBits[co + (b >>> 5)]! >>> (b & 31)) & 1) === 1;
      }
    }
    node = goLeft ? left[node]! : right[node]!;
    f = feature[node]!;
  }
  return node;
}

function checkWidth(t: TreeArrays, X: TreeMatrix): void {
  if (X.columns.length !== t.nFeatures) {
    throw new DataError(`tree model expects ${t.nFeatures} feature columns, got ${X.columns.length}`);
  }
}

/** Below this many rows binning them costs more than the compiled walk saves: they walk the raw floats. */
const MIN_COMPILED_ROWS = 8;

/**
 * Calls `visit(tree, leafOffsets)` for each tree in `[firstTree, endTree)`, in order, where `leafOffsets[i]` is the
 * offset into `t.values` of the leaf row i of X reaches. Rows go through the compiled layout (compiled.ts) unless
 * it cannot represent them exactly or the batch is tiny; those walk the raw floats. Both give the same leaf.
 */
function forEachTreeLeaves(
  t: TreeArrays,
  X: TreeMatrix,
  firstTree: number,
  endTree: number,
  visit: (tree: number, leafOffsets: Int32Array) => void,
): void {
  checkWidth(t, X);
  const n = X.nRows;
  const c = n >= MIN_COMPILED_ROWS ? compiledTrees(t) : null;
  const rows = c === null ? null : encodeRows(c, X);
  const slowRows = rows === null ? Int32Array.from({ length: n }, (_, i) => i) : rows.slowRows;
  const leafOffsets = new Int32Array(n);
  for (let tr = firstTree; tr < endTree; tr++) {
    if (c !== null && rows !== null) fastLeaves(c, rows, tr, leafOffsets);
    const root = t.roots[tr]!;
    for (let s = 0; s < slowRows.length; s++) {
      const i = slowRows[s]!;
      leafOffsets[i] = t.valueOffset[leafOf(t, X.columns, root, i)]!;
    }
    visit(tr, leafOffsets);
  }
}

/** Sum of tree outputs: row-major n x nOutputs, added to `out` (which holds the initial scores) tree by tree. */
export function predictRawInto(t: TreeArrays, X: TreeMatrix, out: Float64Array, firstTree = 0, endTree = t.roots.length): void {
  if (X.nRows < MIN_COMPILED_ROWS) {
    predictRawIntoByNodeWalk(t, X, out, firstTree, endTree); // same sums; no per-tree callback for a single row
    return;
  }
  const n = X.nRows;
  const k = t.nOutputs;
  const w = t.leafWidth;
  const values = t.values;
  forEachTreeLeaves(t, X, firstTree, endTree, (tr, leafOffsets) => {
    const o = t.treeOutput[tr]!;
    if (w === 1) {
      for (let i = 0; i < n; i++) out[i * k + o] += values[leafOffsets[i]!]!;
    } else if (w === 2) {
      // Binary forests (class proportions): written out, about a third faster than the loop below.
      for (let i = 0; i < n; i++) {
        const vo = leafOffsets[i]!;
        const base = i * k + o;
        out[base] += values[vo]!;
        out[base + 1] += values[vo + 1]!;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const vo = leafOffsets[i]!;
        const base = i * k + o;
        for (let j = 0; j < w; j++) out[base + j] += values[vo + j]!;
      }
    }
  });
}

/**
 * The same sums as `predictRawInto`, bit for bit, by the plain node-by-node walk on raw floats for every row (the
 * predictor before the compiled layout; it still serves the rows the layout cannot represent). Benchmarks measure
 * the compiled walk against it; `predictRawInto` uses it for batches under 8 rows.
 */
export function predictRawIntoByNodeWalk(t: TreeArrays, X: TreeMatrix, out: Float64Array, firstTree = 0, endTree = t.roots.length): void {
  checkWidth(t, X);
  const k = t.nOutputs;
  const w = t.leafWidth;
  for (let tr = firstTree; tr < endTree; tr++) {
    const root = t.roots[tr]!;
    const o = t.treeOutput[tr]!;
    for (let i = 0; i < X.nRows; i++) {
      const vo = t.valueOffset[leafOf(t, X.columns, root, i)]!;
      for (let j = 0; j < w; j++) out[i * k + o + j] += t.values[vo + j]!;
    }
  }
}

/**
 * Mean and variance across trees of a single-output ensemble (leafWidth 1), per row: the random-forest surrogate
 * estimate used by SMAC-style Bayesian optimisation.
 */
export function predictTreeMeanVariance(t: TreeArrays, X: TreeMatrix): { mean: Float64Array; variance: Float64Array } {
  const n = X.nRows;
  const T = t.roots.length;
  const sum = new Float64Array(n);
  const sumSq = new Float64Array(n);
  forEachTreeLeaves(t, X, 0, T, (_tr, leafOffsets) => {
    for (let i = 0; i < n; i++) {
      const v = t.values[leafOffsets[i]!]!;
      sum[i] += v;
      sumSq[i] += v * v;
    }
  });
  const variance = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const m = sum[i]! / T;
    sum[i] = m;
    variance[i] = Math.max(sumSq[i]! / T - m * m, 0);
  }
  return { mean: sum, variance };
}

const ARRAY_FIELDS = [
  'roots',
  'treeOutput',
  'feature',
  'threshold',
  'left',
  'right',
  'missingLeft',
  'catOffset',
  'valueOffset',
  'values',
  'catBits',
  'splitBin',
] as const;

/** Binary blobs (exact bytes of each typed array) plus JSON header; reloading gives bit-identical arrays. */
export function treeArraysToBlobs(t: TreeArrays, prefix = ''): {
  header: { nFeatures: number; nOutputs: number; leafWidth: number };
  blobs: Record<string, Uint8Array>;
} {
  const blobs: Record<string, Uint8Array> = {};
  for (const key of ARRAY_FIELDS) {
    const a = t[key];
    blobs[prefix + key] = new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
  }
  return { header: { nFeatures: t.nFeatures, nOutputs: t.nOutputs, leafWidth: t.leafWidth }, blobs };
}

export function treeArraysFromBlobs(
  header: { nFeatures: number; nOutputs: number; leafWidth: number },
  blobs: Readonly<Record<string, Uint8Array>>,
  prefix = '',
): TreeArrays {
  const get = (key: string): ArrayBuffer => {
    const b = blobs[prefix + key];
    if (b === undefined) throw new DataError(`serialized tree model lacks blob '${prefix + key}'`);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  };
  return {
    nFeatures: header.nFeatures,
    nOutputs: header.nOutputs,
    leafWidth: header.leafWidth,
    roots: new Int32Array(get('roots')),
    treeOutput: new Int32Array(get('treeOutput')),
    feature: new Int32Array(get('feature')),
    threshold: new Float64Array(get('threshold')),
    left: new Int32Array(get('left')),
    right: new Int32Array(get('right')),
    missingLeft: new Uint8Array(get('missingLeft')),
    catOffset: new Int32Array(get('catOffset')),
    valueOffset: new Int32Array(get('valueOffset')),
    values: new Float64Array(get('values')),
    catBits: new Uint32Array(get('catBits')),
    splitBin: new Uint8Array(get('splitBin')),
  };
}

/**
 * The first `nTrees` trees of `t` as a model of their own (node indices renumbered, leaf values and category bit
 * sets copied): predicting with it equals predicting with `t` over `[0, nTrees)`, bit for bit.
 */
export function firstTrees(t: TreeArrays, nTrees: number): TreeArrays {
  const count = Math.max(0, Math.min(nTrees, t.roots.length));
  if (count === t.roots.length) return t;
  const builder = new TreeBuilder(t.nFeatures, t.nOutputs, t.leafWidth);
  for (let tree = 0; tree < count; tree++) {
    builder.beginTree(t.treeOutput[tree]!);
    copySubtree(t, t.roots[tree]!, builder);
  }
  return builder.finish();
}

function copySubtree(t: TreeArrays, node: number, builder: TreeBuilder): number {
  const id = builder.addNode();
  if (t.feature[node]! < 0) {
    builder.setLeaf(id, t.values, t.valueOffset[node]!);
    return id;
  }
  const co = t.catOffset[node]!;
  const cat = co < 0 ? null : t.catBits.subarray(co, co + 8);
  builder.setSplit(id, t.feature[node]!, t.threshold[node]!, t.splitBin[node]!, t.missingLeft[node] === 1, cat);
  const left = copySubtree(t, t.left[node]!, builder);
  const right = copySubtree(t, t.right[node]!, builder);
  builder.setChildren(id, left, right);
  return id;
}

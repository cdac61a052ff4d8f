import type { TreeMatrix } from '../../preprocess/types.js';
import { Rng } from '../../util/random.js';
import { binMatrix, fitBinMapper, rawThreshold, type BinMapper } from './binning.js';
import { partitionRows } from './gradient-grower.js';
import { TreeBuilder, type TreeArrays } from './predictor.js';
import { SplitFinder, type NodeSplit } from './forest-split.js';

export type ForestCriterion = 'gini' | 'entropy' | 'squared_error';

/** Random forest / extra trees options (all required here; callers fill defaults). */
export interface ForestParams {
  /** Classes (k >= 2) for classification; 0 for regression. */
  readonly nClasses: number;
  readonly nTrees: number;
  /** Features examined per split (mtry), 1..d. More are examined while all sampled ones are constant. */
  readonly maxFeatures: number;
  readonly criterion: ForestCriterion;
  /** Maximum depth (root = 0); Infinity for none. */
  readonly maxDepth: number;
  readonly minSamplesLeaf: number;
  readonly minSamplesSplit: number;
  /** Draw a bootstrap sample (with replacement) per tree. */
  readonly bootstrap: boolean;
  /** Bootstrap sample size as a fraction of the rows. */
  readonly maxSamples: number;
  /** Extra trees: one random threshold per examined feature instead of the best one. */
  readonly randomSplits: boolean;
  readonly maxBins: number;
  readonly seed: number;
}

export interface ForestModel {
  /** Leaf outputs: class proportions (leafWidth k) or means (leafWidth 1); prediction = mean over trees. */
  readonly trees: TreeArrays;
}

/**
 * Tree-by-tree trainer of random forests and extra trees on binned features (column-major Uint8Array).
 * Categorical codes are treated as ordered values (like scikit-learn's forests on ordinal codes).
 * `y`: class codes (Int32Array) for classification, values (Float64Array) for regression.
 */
export class ForestTrainer {
  private readonly p: ForestParams;
  private readonly rng: Rng;
  private readonly mapper: BinMapper;
  private readonly bins: Uint8Array;
  private readonly n: number;
  private readonly builder: TreeBuilder;
  private readonly weights: Float64Array;
  private readonly rows: Int32Array;
  private readonly tmp: Int32Array;
  private readonly finder: SplitFinder;
  private readonly leafBuf: Float64Array;
  private readonly split: NodeSplit = { feature: -1, bin: 0, missingLeft: false, isCategorical: false, catBits: new Uint32Array(8) };
  private treesDone = 0;

  constructor(X: TreeMatrix, y: Int32Array | Float64Array, params: ForestParams) {
    this.p = params;
    this.rng = new Rng(params.seed);
    const n = X.nRows;
    if (y.length !== n) throw new RangeError(`target length ${y.length} != rows ${n}`);
    if (n === 0) throw new RangeError('cannot train on zero rows');
    this.n = n;
    this.mapper = fitBinMapper(X, params.maxBins, params.seed);
    this.bins = binMatrix(this.mapper, X);
    const k = params.nClasses;
    const width = k > 0 ? k : 1;
    this.builder = new TreeBuilder(this.mapper.nFeatures, width, width);
    this.weights = new Float64Array(n);
    this.rows = new Int32Array(n);
    this.tmp = new Int32Array(n);
    this.leafBuf = new Float64Array(width);
    this.finder = new SplitFinder(this.bins, n, this.mapper, y, k, params);
  }

  get treesTrained(): number {
    return this.treesDone;
  }

  /** Grow one tree; returns false once all trees are grown. */
  step(): boolean {
    if (this.treesDone >= this.p.nTrees) return false;
    const rng = this.rng.fork();
    const nRows = this.drawRows(rng);
    this.growTree(rng, nRows);
    this.treesDone++;
    return this.treesDone < this.p.nTrees;
  }

  finish(): ForestModel {
    return { trees: this.builder.finish() };
  }

  /** Bootstrap weights (counts) or all ones; fills `rows` with the rows of positive weight. */
  private drawRows(rng: Rng): number {
    const n = this.n;
    const w = this.weights;
    if (this.p.bootstrap) {
      w.fill(0);
      const draws = Math.max(1, Math.round(this.p.maxSamples * n));
      for (let i = 0; i < draws; i++) w[rng.int(n)] += 1;
    } else w.fill(1);
    let m = 0;
    for (let i = 0; i < n; i++) if (w[i]! > 0) this.rows[m++] = i;
    return m;
  }

  private growTree(rng: Rng, nRows: number): void {
    const p = this.p;
    const b = this.builder;
    b.beginTree(0);
    const stackId: number[] = [b.addNode()];
    const stackStart: number[] = [0];
    const stackEnd: number[] = [nRows];
    const stackDepth: number[] = [0];
    const s = this.split;
    while (stackId.length > 0) {
      const id = stackId.pop()!;
      const start = stackStart.pop()!;
      const end = stackEnd.pop()!;
      const depth = stackDepth.pop()!;
      const count = end - start;
      const pure = this.finder.nodeStats(this.rows, start, end, this.weights, this.leafBuf);
      const canSplit = !pure && depth < p.maxDepth && count >= p.minSamplesSplit && count >= 2 * p.minSamplesLeaf;
      if (!canSplit || !this.finder.findSplit(this.rows, start, end, this.weights, rng, s)) {
        b.setLeaf(id, this.leafBuf);
        continue;
      }
      const f = s.feature;
      b.setSplit(id, f, rawThreshold(this.mapper, f, s.bin), s.bin, s.missingLeft, null);
      const mid = partitionRows(this.rows, this.tmp, start, end, this.bins, f * this.n, 1, s);
      const l = b.addNode();
      const r = b.addNode();
      b.setChildren(id, l, r);
      stackId.push(r, l);
      stackStart.push(mid, start);
      stackEnd.push(end, mid);
      stackDepth.push(depth + 1, depth + 1);
    }
  }
}

export function trainForest(X: TreeMatrix, y: Int32Array | Float64Array, params: ForestParams): ForestModel {
  const t = new ForestTrainer(X, y, params);
  while (t.step());
  return t.finish();
}

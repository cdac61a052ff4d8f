/**
 * The model JSON of `ml-random-forest` (trees from `ml-cart`) and a flat-array predictor over it.
 *
 * Node semantics follow ml-cart's `TreeNode.classify`: a node with both `left` and `right` is internal and sends
 * a row left when `row[splitColumn] < splitValue`; any other node is a leaf whose `distribution` is the class
 * distribution of its training rows (a 1 x c nested array, c = largest class code in the leaf + 1) or, for
 * regression, the mean target. `splitColumn` indexes the tree's own feature subset `indexes[tree]`.
 */

export interface CartNodeJson {
  readonly splitColumn?: number;
  readonly splitValue?: number;
  readonly left?: CartNodeJson;
  readonly right?: CartNodeJson;
  readonly distribution?: number | number[][];
}

export interface ForestJson {
  readonly name: 'RFClassifier' | 'RFRegression';
  readonly baseModel: {
    readonly nEstimators: number;
    readonly seed?: number;
    readonly indexes: number[][];
    readonly estimators: { readonly root: CartNodeJson }[];
    readonly [key: string]: unknown;
  };
  readonly [key: string]: unknown;
}

/** All trees' nodes in flat arrays; `feature` is -1 at leaves, whose outputs start at `leafOffset`. */
export interface CompiledForest {
  readonly nOutputs: number;
  readonly roots: Int32Array;
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly leafOffset: Int32Array;
  readonly leafValues: Float64Array;
  /** Largest encoded column index any split reads. */
  readonly maxFeature: number;
}

export function compileForest(forest: ForestJson, nOutputs: number): CompiledForest {
  const { indexes, estimators } = forest.baseModel;
  if (!Array.isArray(estimators) || estimators.length === 0 || indexes.length !== estimators.length) {
    throw new Error('ml_random_forest: model JSON has no trees or mismatched feature indexes');
  }
  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const leafOffset: number[] = [];
  const leafValues: number[] = [];
  const roots = new Int32Array(estimators.length);
  let maxFeature = -1;

  const visit = (node: CartNodeJson, columns: number[]): number => {
    const id = feature.length;
    feature.push(-1);
    threshold.push(0);
    left.push(-1);
    right.push(-1);
    leafOffset.push(-1);
    if (node.left !== undefined && node.right !== undefined) {
      const column = columns[node.splitColumn!];
      if (column === undefined || typeof node.splitValue !== 'number') {
        throw new Error('ml_random_forest: internal node without a valid split');
      }
      maxFeature = Math.max(maxFeature, column);
      feature[id] = column;
      threshold[id] = node.splitValue;
      left[id] = visit(node.left, columns);
      right[id] = visit(node.right, columns);
    } else {
      leafOffset[id] = leafValues.length;
      leafValues.push(...leafOutputs(node, nOutputs));
    }
    return id;
  };
  estimators.forEach((tree, t) => (roots[t] = visit(tree.root, indexes[t]!)));
  return {
    nOutputs,
    roots,
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    leafOffset: Int32Array.from(leafOffset),
    leafValues: Float64Array.from(leafValues),
    maxFeature,
  };
}

function leafOutputs(node: CartNodeJson, nOutputs: number): number[] {
  const distribution = node.distribution;
  if (typeof distribution === 'number') {
    if (nOutputs !== 1) throw new Error('ml_random_forest: regression leaf in a classification forest');
    return [distribution];
  }
  const row = Array.isArray(distribution) ? distribution[0] : undefined;
  if (!Array.isArray(row) || row.length > nOutputs) throw new Error('ml_random_forest: leaf without a valid class distribution');
  const out = new Array<number>(nOutputs).fill(0);
  row.forEach((p, c) => (out[c] = p));
  return out;
}

/**
 * Row-major n x nOutputs: mean over trees of the leaf outputs (sum in tree order, then divide, as ml-array-mean),
 * rows renormalized to sum to 1 for classification (leaf shares are sums of 1/size, off by rounding).
 */
export function predictCompiled(forest: CompiledForest, X: Float64Array, n: number, d: number): Float64Array {
  if (forest.maxFeature >= d) throw new Error(`ml_random_forest: model reads column ${forest.maxFeature} of ${d}`);
  const k = forest.nOutputs;
  const out = new Float64Array(n * k);
  const nTrees = forest.roots.length;
  for (let i = 0; i < n; i++) {
    const row = i * d;
    const o = i * k;
    for (let t = 0; t < nTrees; t++) {
      let node = forest.roots[t]!;
      while (forest.feature[node]! >= 0) {
        node = X[row + forest.feature[node]!]! < forest.threshold[node]! ? forest.left[node]! : forest.right[node]!;
      }
      const leaf = forest.leafOffset[node]!;
      for (let c = 0; c < k; c++) out[o + c] += forest.leafValues[leaf + c]!;
    }
    if (k === 1) {
      out[o] /= nTrees;
    } else {
      let total = 0;
      for (let c = 0; c < k; c++) total += out[o + c]!;
      for (let c = 0; c < k; c++) out[o + c] /= total;
    }
  }
  return out;
}

/**
 * Each member family as ONNX nodes, built from the member's serialized form (`FittedMember.serialize()`: state and
 * blobs, the bundle's own format), so the export reads exactly what a bundle stores:
 * - gbdt / random_forest / extra_trees: `ai.onnx.ml` TreeEnsemble (opset 5: float64 splits and leaves, category-set
 *   splits as BRANCH_MEMBER, learned missing-value directions), then the link (init scores, sigmoid / softmax, or the
 *   forest average);
 * - ml_random_forest: the same operator over the package's trees (`x < threshold`), leaf distributions averaged;
 * - linear: MatMul + Add, softmax for classification;
 * - mlp: MatMul + Add per layer, folded batch norm as Mul + Add, Relu / Tanh / Elu, softmax or the target scaling.
 * Every member yields row-major [N, k] predictions in float64, as `FittedMember.predict`.
 */
import type { DenseEncoderState } from '../../preprocess/dense-state.js';
import { compileForest, type ForestJson } from '../../models/families/ml-random-forest-trees.js';
import { readFloat32Blob, readFloat64Blob } from '../../models/serialization.js';
import { treeArraysFromBlobs, type TreeArrays } from '../../models/trees/predictor.js';
import type { BoostLoss } from '../../models/trees/losses.js';
import { BATCH_NORM_EPSILON, layerShapes, unpackWeights, type MlpTopology } from '../../models/neural/network.js';
import type { FittedMember } from '../../models/types.js';
import { DataType, doubleTensor, uint8Tensor, type GraphBuilder } from './graph.js';
import type { OnnxInputs, TreeEncoderJson } from './preprocess.js';

const BRANCH_LEQ = 0;
const BRANCH_LT = 1;
const BRANCH_MEMBER = 6;
const AGGREGATE_SUM = 1;

/** Predictions [N, k] (double) of one fitted model. */
export function memberGraph(g: GraphBuilder, inputs: OnnxInputs, model: FittedMember): string {
  const s = model.serialize();
  const state = s.state as Record<string, unknown>;
  switch (s.family) {
    case 'gbdt':
    case 'random_forest':
    case 'extra_trees':
      return treeMemberGraph(g, inputs, state, s.blobs);
    case 'ml_random_forest':
      return mlForestGraph(g, inputs, state);
    case 'linear':
      return linearGraph(g, inputs, state, s.blobs);
    case 'mlp':
      return mlpGraph(g, inputs, state, s.blobs);
    default:
      throw new Error(`ONNX export: no ONNX form for member family '${s.family}'`);
  }
}

function treeMemberGraph(g: GraphBuilder, inputs: OnnxInputs, state: Record<string, unknown>, blobs: Readonly<Record<string, Uint8Array>>): string {
  const encoder = state.encoder as TreeEncoderJson;
  const trees = treeArraysFromBlobs(state.trees as { nFeatures: number; nOutputs: number; leafWidth: number }, blobs, 'tree.');
  const X = inputs.treeMatrix(encoder);
  const categories = encoder.columns.map((c) => c.categories?.length ?? 0);
  const raw = treeSums(g, X, ourTrees(trees, categories));
  if (state.output === 'forest') return g.node('Div', [raw, g.doubles([trees.roots.length])]);
  const withInit = g.node('Add', [raw, g.doubles(readFloat64Blob(blobs['init'], 'init'))]);
  switch (state.loss as BoostLoss) {
    case 'squared_error':
      return withInit;
    case 'log_loss': {
      const p = g.node('Sigmoid', [withInit]);
      return g.node('Concat', [g.node('Sub', [g.doubles([1]), p]), p], { attributes: { axis: 1 } });
    }
    case 'softmax':
      return g.node('Softmax', [withInit], { attributes: { axis: 1 } });
  }
}

/** Trees in the TreeEnsemble layout: split nodes and leaves in separate lists, as ONNX numbers them. */
interface OnnxTrees {
  readonly nOutputs: number;
  readonly leafWidth: number;
  readonly roots: number[];
  readonly feature: number[];
  readonly mode: number[];
  readonly split: number[];
  readonly members: number[];
  readonly trueId: number[];
  readonly trueLeaf: number[];
  readonly falseId: number[];
  readonly falseLeaf: number[];
  readonly missingTrue: number[];
  /** Per leaf: its tree, its output column and its leafWidth values. */
  readonly leafTree: number[];
  readonly leafColumn: number[];
  readonly leafValues: number[];
}

function emptyTrees(nOutputs: number, leafWidth: number): OnnxTrees {
  return {
    nOutputs, leafWidth, roots: [], feature: [], mode: [], split: [], members: [], trueId: [], trueLeaf: [], falseId: [], falseLeaf: [], missingTrue: [],
    leafTree: [], leafColumn: [], leafValues: [],
  };
}

/**
 * Our TreeArrays (src/models/trees/predictor.ts) in ONNX form. Categorical splits become the set of training codes
 * that go left (codes past the split's last bin share that bin's side, as in `leafOf`); NaN follows `missingLeft`.
 */
function ourTrees(t: TreeArrays, categories: readonly number[]): OnnxTrees {
  const out = emptyTrees(t.nOutputs, t.leafWidth);
  const visit = (node: number, tree: number): { id: number; leaf: boolean } => {
    if (t.feature[node]! < 0) return { id: addLeaf(out, tree, t.treeOutput[tree]!, t.values, t.valueOffset[node]!), leaf: true };
    const f = t.feature[node]!;
    const co = t.catOffset[node]!;
    let mode = BRANCH_LEQ;
    let split = t.threshold[node]!;
    if (co >= 0) {
      mode = BRANCH_MEMBER;
      split = NaN;
      const last = t.threshold[node]!;
      const left: number[] = [];
      for (let code = 0; code < Math.max(categories[f] ?? 0, last + 1); code++) {
        const b = code >= last ? last : code;
        if (((t.catBits[co + (b >>> 5)]! >>> (b & 31)) & 1) === 1) left.push(code);
      }
      out.members.push(...(left.length > 0 ? left : [-1]), NaN);
    }
    const id = addNode(out, f, mode, split, t.missingLeft[node] === 1);
    const l = visit(t.left[node]!, tree);
    const r = visit(t.right[node]!, tree);
    setChildren(out, id, l, r);
    return { id, leaf: false };
  };
  for (let tree = 0; tree < t.roots.length; tree++) addTree(out, visit(t.roots[tree]!, tree));
  return out;
}

function addNode(out: OnnxTrees, feature: number, mode: number, split: number, missingTrue: boolean): number {
  out.feature.push(feature);
  out.mode.push(mode);
  out.split.push(split);
  out.missingTrue.push(missingTrue ? 1 : 0);
  out.trueId.push(-1);
  out.trueLeaf.push(0);
  out.falseId.push(-1);
  out.falseLeaf.push(0);
  return out.feature.length - 1;
}

function setChildren(out: OnnxTrees, id: number, left: { id: number; leaf: boolean }, right: { id: number; leaf: boolean }): void {
  out.trueId[id] = left.id;
  out.trueLeaf[id] = left.leaf ? 1 : 0;
  out.falseId[id] = right.id;
  out.falseLeaf[id] = right.leaf ? 1 : 0;
}

function addLeaf(out: OnnxTrees, tree: number, column: number, values: ArrayLike<number>, offset: number): number {
  out.leafTree.push(tree);
  out.leafColumn.push(column);
  for (let j = 0; j < out.leafWidth; j++) out.leafValues.push(values[offset + j]!);
  return out.leafTree.length - 1;
}

/** A tree that is a single leaf gets a split that sends every row (NaN included) to it: ONNX roots are nodes. */
function addTree(out: OnnxTrees, root: { id: number; leaf: boolean }): void {
  if (!root.leaf) {
    out.roots.push(root.id);
    return;
  }
  const id = addNode(out, 0, BRANCH_LEQ, 0, true);
  setChildren(out, id, root, root);
  out.roots.push(id);
}

/**
 * Sum over trees of the leaf outputs, [N, nOutputs]. Leaves of width 1 add to their column directly (TreeEnsemble,
 * SUM). Wider leaves (class proportions of forests) cannot: the TreeEnsemble writes each row's leaf number per tree,
 * and a Gather from the leaf-value matrix plus a sum over trees adds them up.
 */
function treeSums(g: GraphBuilder, X: string, trees: OnnxTrees): string {
  const wide = trees.leafWidth > 1;
  const nTrees = trees.roots.length;
  const ensemble = g.node('TreeEnsemble', [X], {
    domain: 'ai.onnx.ml',
    attributes: {
      n_targets: wide ? nTrees : trees.nOutputs,
      tree_roots: trees.roots,
      nodes_featureids: trees.feature,
      nodes_modes: uint8Tensor(trees.mode),
      nodes_splits: doubleTensor(trees.split),
      nodes_truenodeids: trees.trueId,
      nodes_trueleafs: trees.trueLeaf,
      nodes_falsenodeids: trees.falseId,
      nodes_falseleafs: trees.falseLeaf,
      nodes_missing_value_tracks_true: trees.missingTrue,
      ...(trees.members.length > 0 ? { membership_values: doubleTensor(trees.members) } : {}),
      leaf_targetids: wide ? trees.leafTree : trees.leafColumn,
      leaf_weights: doubleTensor(wide ? trees.leafTree.map((_, i) => i) : trees.leafValues),
      aggregate_function: AGGREGATE_SUM,
    },
  });
  if (!wide) return ensemble;
  if (trees.leafColumn.some((c) => c !== 0) || trees.leafWidth !== trees.nOutputs) throw new Error('ONNX export: wide leaves must cover every output column');
  const leafIds = g.node('Cast', [ensemble], { attributes: { to: DataType.INT64 } });
  const table = g.doubles(trees.leafValues, [trees.leafTree.length, trees.leafWidth]);
  const perTree = g.node('Gather', [table, leafIds], { attributes: { axis: 0 } }); // [N, trees, width]
  return g.node('ReduceSum', [perTree, g.int64s([1])], { attributes: { keepdims: 0 } });
}

function mlForestGraph(g: GraphBuilder, inputs: OnnxInputs, state: Record<string, unknown>): string {
  const nOutputs = state.task === 'regression' ? 1 : (state.nOutputs as number);
  const forest = compileForest(state.forest as ForestJson, nOutputs);
  const out = emptyTrees(nOutputs, nOutputs);
  const visit = (node: number, tree: number): { id: number; leaf: boolean } => {
    if (forest.feature[node]! < 0) return { id: addLeaf(out, tree, 0, forest.leafValues, forest.leafOffset[node]!), leaf: true };
    const id = addNode(out, forest.feature[node]!, BRANCH_LT, forest.threshold[node]!, false);
    setChildren(out, id, visit(forest.left[node]!, tree), visit(forest.right[node]!, tree));
    return { id, leaf: false };
  };
  for (let tree = 0; tree < forest.roots.length; tree++) addTree(out, visit(forest.roots[tree]!, tree));
  const sums = treeSums(g, inputs.denseMatrix(state.encoder as DenseEncoderState), out);
  if (nOutputs === 1) return g.node('Div', [sums, g.doubles([forest.roots.length])]);
  return g.node('Div', [sums, g.node('ReduceSum', [sums, g.int64s([1])], { attributes: { keepdims: 1 } })]);
}

function linearGraph(g: GraphBuilder, inputs: OnnxInputs, state: Record<string, unknown>, blobs: Readonly<Record<string, Uint8Array>>): string {
  const encoder = state.encoder as DenseEncoderState;
  const intercept = readFloat64Blob(blobs['intercept'], 'intercept');
  const coef = readFloat64Blob(blobs['coef'], 'coef');
  const X = inputs.denseMatrix(encoder);
  const z = g.node('Add', [g.node('MatMul', [X, g.doubles(coef, [coef.length / intercept.length, intercept.length])]), g.doubles(intercept)]);
  return state.task === 'regression' ? z : g.node('Softmax', [z], { attributes: { axis: 1 } });
}

function mlpGraph(g: GraphBuilder, inputs: OnnxInputs, state: Record<string, unknown>, blobs: Readonly<Record<string, Uint8Array>>): string {
  const topology = state.topology as MlpTopology;
  const layers = unpackWeights(topology, readFloat32Blob(blobs['weights'], 'weights'));
  const shapes = layerShapes(topology);
  let h = inputs.denseMatrix(state.encoder as DenseEncoderState);
  shapes.forEach((shape, l) => {
    const w = layers[l]!;
    h = g.node('Add', [g.node('MatMul', [h, g.doubles(w.kernel, [shape.fanIn, shape.fanOut])]), g.doubles(w.bias)]);
    if (shape.batchNorm) {
      // The same folding as MlpPredictor: z' = scale * z + shift.
      const scale = new Float64Array(shape.fanOut);
      const shift = new Float64Array(shape.fanOut);
      for (let o = 0; o < shape.fanOut; o++) {
        scale[o] = w.gamma![o]! / Math.sqrt(w.movingVariance![o]! + BATCH_NORM_EPSILON);
        shift[o] = w.beta![o]! - scale[o]! * w.movingMean![o]!;
      }
      h = g.node('Add', [g.node('Mul', [h, g.doubles(scale)]), g.doubles(shift)]);
    }
    if (l < shapes.length - 1) h = activation(g, h, topology.activation);
  });
  if (topology.output === 'softmax') return g.node('Softmax', [h], { attributes: { axis: 1 } });
  // The Gaussian head's prediction is its mean, the first of its two outputs (the variance is not exported).
  if (topology.output === 'gaussian') h = g.node('MatMul', [h, g.doubles([1, 0], [2, 1])]);
  if (state.task !== 'regression') return h;
  return g.node('Add', [g.node('Mul', [h, g.doubles([state.targetScale as number])]), g.doubles([state.targetCenter as number])]);
}

function activation(g: GraphBuilder, z: string, kind: MlpTopology['activation']): string {
  switch (kind) {
    case 'relu':
      return g.node('Relu', [z]);
    case 'tanh':
      return g.node('Tanh', [z]);
    case 'elu':
      return g.node('Elu', [z], { attributes: { alpha: { float: 1 } } });
  }
}

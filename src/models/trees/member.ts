import type { FeatureTable, Task } from '../../data/dataset.js';
import { loadTreeEncoder } from '../../preprocess/tree-encoder.js';
import type { TreeEncoder } from '../../preprocess/types.js';
import { DataError } from '../../util/errors.js';
import { checkSerialized, float64Blob, readFloat64Blob } from '../serialization.js';
import type { FittedMember, SerializedMember } from '../types.js';
import { softmaxInPlace } from '../../util/portable-math.js';
import { sigmoid, type BoostLoss } from './losses.js';
import { firstTrees, predictRawInto, predictTreeMeanVariance, treeArraysFromBlobs, treeArraysToBlobs, type TreeArrays } from './predictor.js';

/** How raw tree sums become predictions. */
export type TreeOutputKind =
  | { readonly kind: 'boosted'; readonly loss: BoostLoss; readonly init: Float64Array }
  | { readonly kind: 'forest' };

const FORMAT_VERSION = 1;

interface TreeMemberState {
  readonly task: Task;
  readonly nOutputs: number;
  readonly output: 'boosted' | 'forest';
  readonly loss: BoostLoss | null;
  readonly encoder: unknown;
  readonly trees: { nFeatures: number; nOutputs: number; leafWidth: number };
  /** Extra facts for people (rounds kept, trees); not needed to predict. */
  readonly info: Record<string, number | string>;
}

/**
 * A fitted tree member of any tree family: tree encoder + flat tree arrays + output link.
 * Classification output is n x k probabilities over the dataset's full class list; regression n x 1.
 */
export class TreeMember implements FittedMember {
  readonly nOutputs: number;
  /**
   * Regression forests only: the variance of the trees' predictions at each row. Trees grown to small leaves each
   * predict close to one training target near the row, so their spread tracks the local noise as well as the
   * forest's own uncertainty (docs/uncertainty.md compares it with a model of squared residuals).
   */
  readonly predictVariance?: (table: FeatureTable) => Float64Array;

  constructor(
    readonly family: string,
    private readonly task: Task,
    private readonly encoder: TreeEncoder,
    private readonly trees: TreeArrays,
    private readonly output: TreeOutputKind,
    nOutputs: number,
    private readonly info: Record<string, number | string> = {},
  ) {
    this.nOutputs = nOutputs;
    if (output.kind === 'forest' && task === 'regression') {
      this.predictVariance = (table) => predictTreeMeanVariance(this.trees, this.encoder.transform(table)).variance;
    }
  }

  /** Trees in the model (boosting: rounds x trees per round). */
  get treeCount(): number {
    return this.trees.roots.length;
  }

  /** Trees one boosting round adds (one per class for softmax), 1 for forests: the step to trim by. */
  get treesPerRound(): number {
    return this.output.kind === 'boosted' && this.output.loss === 'softmax' ? this.trees.nOutputs : 1;
  }

  /**
   * The same member with only its first `nTrees` trees (a forest of fewer trees, or fewer boosting rounds; round it
   * to a multiple of `treesPerRound`): what deployment trimming keeps.
   */
  withFirstTrees(nTrees: number): TreeMember {
    const kept = firstTrees(this.trees, nTrees);
    const info = { ...this.info, trees: kept.roots.length, trimmedFrom: this.trees.roots.length };
    return new TreeMember(this.family, this.task, this.encoder, kept, this.output, this.nOutputs, info);
  }

  predict(table: FeatureTable): Float64Array {
    const X = this.encoder.transform(table);
    const n = X.nRows;
    const t = this.trees;
    const K = t.nOutputs;
    const raw = new Float64Array(n * K);
    if (this.output.kind === 'boosted') {
      const init = this.output.init;
      for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) raw[i * K + k] = init[k]!;
    }
    predictRawInto(t, X, raw);
    if (this.output.kind === 'forest') {
      const T = t.roots.length;
      for (let i = 0; i < raw.length; i++) raw[i] = raw[i]! / T;
      return raw;
    }
    switch (this.output.loss) {
      case 'squared_error':
        return raw;
      case 'log_loss': {
        const out = new Float64Array(n * 2);
        for (let i = 0; i < n; i++) {
          const p = sigmoid(raw[i]!);
          out[2 * i] = 1 - p;
          out[2 * i + 1] = p;
        }
        return out;
      }
      case 'softmax':
        for (let i = 0; i < n; i++) softmaxInPlace(raw, i * K, K);
        return raw;
    }
  }

  serialize(): SerializedMember {
    const { header, blobs } = treeArraysToBlobs(this.trees, 'tree.');
    const state: TreeMemberState = {
      task: this.task,
      nOutputs: this.nOutputs,
      output: this.output.kind,
      loss: this.output.kind === 'boosted' ? this.output.loss : null,
      encoder: this.encoder.toJSON(),
      trees: header,
      info: this.info,
    };
    if (this.output.kind === 'boosted') blobs['init'] = float64Blob(this.output.init);
    return { family: this.family, formatVersion: FORMAT_VERSION, state, blobs };
  }
}

export function loadTreeMember(family: string, serialized: SerializedMember): TreeMember {
  const state = checkSerialized(serialized, family, FORMAT_VERSION) as unknown as TreeMemberState;
  if (state.output !== 'boosted' && state.output !== 'forest') throw new DataError(`${family}: corrupt serialized member`);
  const trees = treeArraysFromBlobs(state.trees, serialized.blobs, 'tree.');
  const output: TreeOutputKind =
    state.output === 'boosted'
      ? { kind: 'boosted', loss: state.loss!, init: readFloat64Blob(serialized.blobs['init'], 'init') }
      : { kind: 'forest' };
  return new TreeMember(family, state.task, loadTreeEncoder(state.encoder), trees, output, state.nOutputs, state.info ?? {});
}

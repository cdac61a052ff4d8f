/**
 * A fitted neural member (`mlp`, `tabm`) as it predicts and (de)serializes: the encoder, a JavaScript predictor
 * over float32 weights, target units. Free of TensorFlow.js and of the training code, so bundle loaders (in Node
 * and in a browser, src/models/loaders.ts) can use it. Serialized form: topology, encoder and target scaling in
 * `state`, the weights in one float32 blob `weights`.
 */
import type { FeatureTable, Task } from '../../data/dataset.js';
import { loadDenseEncoder } from '../../preprocess/dense-encoder.js';
import type { DenseEncoder } from '../../preprocess/types.js';
import { checkSerialized, float32Blob, readFloat32Blob } from '../serialization.js';
import type { FittedMember, SerializedMember } from '../types.js';

/** Training summary kept in a neural member's state (informational; `backend` is also `FittedMember.backend`). */
export interface TrainingSummary {
  readonly backend: string;
  readonly batchSize: number;
  readonly epochs: number;
  readonly bestEpoch: number;
  readonly bestLoss: number;
  readonly stoppedBy: string;
}

/** A network's shape as the member needs it (each family's topology has more). */
export interface TopologyBase {
  readonly inputWidth: number;
  readonly outputWidth: number;
}

/** The JSON state every neural member serializes. */
export interface NeuralState<T extends TopologyBase> {
  readonly task: Task;
  readonly topology: T;
  readonly encoder: unknown;
  /** Regression target scaling: prediction = output * targetScale + targetCenter. */
  readonly targetCenter: number;
  readonly targetScale: number;
  readonly training: TrainingSummary;
}

/** Network outputs for encoded rows, in plain JavaScript (n x outputWidth, row-major). */
export interface NetworkPredictor {
  predict(X: Float64Array, n: number): Float64Array;
}

export class NeuralMember<T extends TopologyBase> implements FittedMember {
  readonly nOutputs: number;
  readonly backend: string;
  /** Members with the Gaussian head (`topology.output` 'gaussian'): the predicted variance in squared target units. */
  readonly predictVariance?: (table: FeatureTable) => Float64Array;
  private readonly gaussian: boolean;

  constructor(
    readonly family: string,
    private readonly formatVersion: number,
    private readonly state: NeuralState<T>,
    private readonly encoder: DenseEncoder,
    private readonly weights: Float32Array,
    private readonly predictor: NetworkPredictor,
  ) {
    this.gaussian = (state.topology as { readonly output?: string }).output === 'gaussian';
    this.nOutputs = this.gaussian ? 1 : state.topology.outputWidth;
    this.backend = state.training.backend;
    if (this.gaussian) {
      const scale2 = state.targetScale * state.targetScale;
      this.predictVariance = (table) => Float64Array.from(this.column(table, 1), (v) => v * scale2);
    }
  }

  predict(table: FeatureTable): Float64Array {
    const out = this.gaussian ? this.column(table, 0) : this.predictor.predict(this.encoder.transform(table), table.nRows);
    if (this.state.task === 'regression') for (let i = 0; i < out.length; i++) out[i] = out[i]! * this.state.targetScale + this.state.targetCenter;
    return out;
  }

  /** Column `c` (0: mean, 1: variance, standardized units) of the Gaussian head's n x 2 output. */
  private column(table: FeatureTable, c: number): Float64Array {
    const both = this.predictor.predict(this.encoder.transform(table), table.nRows);
    return Float64Array.from({ length: table.nRows }, (_, i) => both[2 * i + c]!);
  }

  serialize(): SerializedMember {
    return { family: this.family, formatVersion: this.formatVersion, state: this.state, blobs: { weights: float32Blob(this.weights) } };
  }
}

/** A serialized neural member's checked state, encoder and weights (`weightCount` for its topology). */
export function loadNeuralParts<T extends TopologyBase>(
  serialized: SerializedMember,
  family: string,
  formatVersion: number,
  weightCount: (topology: T) => number,
): { state: NeuralState<T>; encoder: DenseEncoder; weights: Float32Array } {
  const state = checkSerialized(serialized, family, formatVersion) as unknown as NeuralState<T>;
  if (typeof state.topology !== 'object' || state.topology === null) throw new Error(`${family}: state lacks the topology`);
  if (typeof state.targetCenter !== 'number' || typeof state.targetScale !== 'number') {
    throw new Error(`${family}: state lacks the target scaling`);
  }
  const encoder = loadDenseEncoder(state.encoder);
  if (encoder.width !== state.topology.inputWidth) {
    throw new Error(`${family}: encoder width ${encoder.width} != network input ${state.topology.inputWidth}`);
  }
  const weights = readFloat32Blob(serialized.blobs['weights'], 'weights');
  const expected = weightCount(state.topology);
  if (weights.length !== expected) throw new Error(`${family}: ${weights.length} weights, the topology needs ${expected}`);
  return { state, encoder, weights };
}

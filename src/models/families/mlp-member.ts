/**
 * A fitted `mlp` member (see ./mlp.ts): prediction in plain JavaScript over its float32 weights and its
 * (de)serialization, free of TensorFlow.js and of the training code.
 */
import type { FeatureTable, Task } from '../../data/dataset.js';
import { loadDenseEncoder } from '../../preprocess/dense-encoder.js';
import type { DenseEncoder } from '../../preprocess/types.js';
import { MlpPredictor, unpackWeights, type MlpTopology } from '../neural/network.js';
import { checkSerialized, float32Blob, readFloat32Blob } from '../serialization.js';
import type { FittedMember, SerializedMember } from '../types.js';

const FAMILY = 'mlp';
const FORMAT_VERSION = 1;

export interface MlpState {
  readonly task: Task;
  readonly topology: MlpTopology;
  readonly encoder: unknown;
  /** Regression target scaling: prediction = output * targetScale + targetCenter. */
  readonly targetCenter: number;
  readonly targetScale: number;
  /** Training summary (informational). */
  readonly training: { backend: string; epochs: number; bestEpoch: number; bestLoss: number; stoppedBy: string };
}

export class MlpMember implements FittedMember {
  readonly family = FAMILY;
  readonly nOutputs: number;
  private readonly predictor: MlpPredictor;

  constructor(
    private readonly state: MlpState,
    private readonly encoder: DenseEncoder,
    private readonly weights: Float32Array,
  ) {
    this.nOutputs = state.topology.outputWidth;
    this.predictor = new MlpPredictor(state.topology, unpackWeights(state.topology, weights));
  }

  predict(table: FeatureTable): Float64Array {
    const out = this.predictor.predict(this.encoder.transform(table), table.nRows);
    if (this.state.task === 'regression') {
      for (let i = 0; i < out.length; i++) out[i] = out[i]! * this.state.targetScale + this.state.targetCenter;
    }
    return out;
  }

  serialize(): SerializedMember {
    return { family: FAMILY, formatVersion: FORMAT_VERSION, state: this.state, blobs: { weights: float32Blob(this.weights) } };
  }
}

export async function loadMlp(serialized: SerializedMember): Promise<FittedMember> {
  const state = checkSerialized(serialized, FAMILY, FORMAT_VERSION) as unknown as MlpState;
  if (typeof state.topology !== 'object' || state.topology === null) throw new Error(`${FAMILY}: state lacks the topology`);
  if (typeof state.targetCenter !== 'number' || typeof state.targetScale !== 'number') {
    throw new Error(`${FAMILY}: state lacks the target scaling`);
  }
  const encoder = loadDenseEncoder(state.encoder);
  if (encoder.width !== state.topology.inputWidth) {
    throw new Error(`${FAMILY}: encoder width ${encoder.width} != network input ${state.topology.inputWidth}`);
  }
  return new MlpMember(state, encoder, readFloat32Blob(serialized.blobs['weights'], 'weights'));
}

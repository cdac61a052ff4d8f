/**
 * A fitted `mlp` member (see ./mlp.ts) as bundle loaders need it: prediction in plain JavaScript over its float32
 * weights and its (de)serialization, free of TensorFlow.js and of the training code.
 */
import type { DenseEncoder } from '../../preprocess/types.js';
import { MlpPredictor, unpackWeights, weightCount, type MlpTopology } from '../neural/network.js';
import type { FittedMember, SerializedMember } from '../types.js';
import { loadNeuralParts, NeuralMember, type NeuralState } from './neural-member.js';

const FAMILY = 'mlp';
const FORMAT_VERSION = 1;
/** Version 2: a member with the Gaussian variance head (older readers cannot predict with it). */
const GAUSSIAN_FORMAT_VERSION = 2;

export function mlpMember(state: NeuralState<MlpTopology>, encoder: DenseEncoder, weights: Float32Array): FittedMember {
  const predictor = new MlpPredictor(state.topology, unpackWeights(state.topology, weights));
  const version = state.topology.output === 'gaussian' ? GAUSSIAN_FORMAT_VERSION : FORMAT_VERSION;
  return new NeuralMember(FAMILY, version, state, encoder, weights, predictor);
}

export async function loadMlp(serialized: SerializedMember): Promise<FittedMember> {
  const version = serialized.formatVersion === GAUSSIAN_FORMAT_VERSION ? GAUSSIAN_FORMAT_VERSION : FORMAT_VERSION;
  const { state, encoder, weights } = loadNeuralParts<MlpTopology>(serialized, FAMILY, version, weightCount);
  if ((state.topology.output === 'gaussian') !== (version === GAUSSIAN_FORMAT_VERSION)) {
    throw new Error(`${FAMILY}: format version ${version} does not match the output head '${state.topology.output}'`);
  }
  return mlpMember(state, encoder, weights);
}

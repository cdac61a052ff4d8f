/**
 * A fitted `tabm` member (see ./tabm.ts) as bundle loaders need it: the mean of its k heads in plain JavaScript over
 * its float32 weights and its (de)serialization, free of TensorFlow.js and of the training code.
 */
import type { DenseEncoder } from '../../preprocess/types.js';
import { tabmLayout, TabmPredictor, type TabmTopology } from '../neural/tabm.js';
import type { FittedMember, SerializedMember } from '../types.js';
import { loadNeuralParts, NeuralMember, type NeuralState } from './neural-member.js';

const FAMILY = 'tabm';
const FORMAT_VERSION = 1;

export function tabmMember(state: NeuralState<TabmTopology>, encoder: DenseEncoder, weights: Float32Array): FittedMember {
  return new NeuralMember(FAMILY, FORMAT_VERSION, state, encoder, weights, new TabmPredictor(state.topology, weights));
}

export async function loadTabm(serialized: SerializedMember): Promise<FittedMember> {
  const { state, encoder, weights } = loadNeuralParts<TabmTopology>(serialized, FAMILY, FORMAT_VERSION, (t) => tabmLayout(t).size);
  return tabmMember(state, encoder, weights);
}

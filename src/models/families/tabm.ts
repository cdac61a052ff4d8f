import type { Dataset, FeatureTable, Task } from '../../data/dataset.js';
import { loadDenseEncoder } from '../../preprocess/dense-encoder.js';
import type { DenseEncoder } from '../../preprocess/types.js';
import { resolveConfig, schemaDefaults } from '../config.js';
import { TABM_ADAPTERS, tabmLayout, TabmPredictor, type TabmTopology } from '../neural/tabm.js';
import { checkSerialized, float32Blob, readFloat32Blob } from '../serialization.js';
import type { Config, FitContext, FittedMember, MemberFamily, SerializedMember } from '../types.js';
import { NEURAL_SCHEMA, prepareNeuralFit, trainingSummary, unscaleTargets, type TrainingSummary } from './neural-common.js';

/**
 * `tabm`: TabM (Gorishniy et al., ICLR 2025), one MLP that is an ensemble of `members` sub-networks sharing
 * their weights through BatchEnsemble adapters, each with its own head; the prediction is the mean of the
 * heads' (../neural/tabm.ts). Trained like `mlp` (same encoder, target scaling, early stopping on the loss of
 * the averaged prediction, batch scaled with rows; ../neural/train.ts), with every member seeing every batch
 * and the loss the mean of the members' losses. `adapters` 'first' is TabM-mini (only the first layer's input
 * adapter per member). Predictions run in plain JavaScript over the float32 weights, bit-identical after
 * reload. Serialized form: topology, encoder and target scaling in `state`, weights in one float32 blob.
 */
const FAMILY = 'tabm';
const FORMAT_VERSION = 1;

const SCHEMA = {
  ...NEURAL_SCHEMA,
  width: { ...NEURAL_SCHEMA.width, default: 64 },
  learning_rate: { ...NEURAL_SCHEMA.learning_rate, default: 2e-3 },
  members: { kind: 'number', default: 32, min: 1, max: 128, integer: true, doc: 'sub-networks k (heads averaged)' },
  adapters: { kind: 'choice', default: 'all', values: TABM_ADAPTERS, doc: "per-member adapters: 'all' layers (TabM) or the 'first' (TabM-mini)" },
} as const;

const resolveParams = (config: Config) => resolveConfig(FAMILY, SCHEMA, config);

interface TabmState {
  readonly task: Task;
  readonly topology: TabmTopology;
  readonly encoder: unknown;
  readonly targetCenter: number;
  readonly targetScale: number;
  readonly training: TrainingSummary;
}

class TabmMember implements FittedMember {
  readonly family = FAMILY;
  readonly nOutputs: number;
  readonly backend: string;
  private readonly predictor: TabmPredictor;

  constructor(
    private readonly state: TabmState,
    private readonly encoder: DenseEncoder,
    private readonly weights: Float32Array,
  ) {
    this.nOutputs = state.topology.outputWidth;
    this.backend = state.training.backend;
    this.predictor = new TabmPredictor(state.topology, weights);
  }

  predict(table: FeatureTable): Float64Array {
    return unscaleTargets(this.predictor.predict(this.encoder.transform(table), table.nRows), this.state);
  }

  serialize(): SerializedMember {
    return { family: FAMILY, formatVersion: FORMAT_VERSION, state: this.state, blobs: { weights: float32Blob(this.weights) } };
  }
}

async function fitTabm(train: Dataset, config: Config, ctx: FitContext): Promise<FittedMember> {
  const params = resolveParams(config);
  const setup = await prepareNeuralFit(FAMILY, train, params, ctx);
  const topology: TabmTopology = {
    inputWidth: setup.encoder.width,
    hidden: new Array<number>(params.hidden_layers).fill(params.width),
    outputWidth: setup.outputWidth,
    activation: params.activation,
    members: params.members,
    adapters: params.adapters,
    output: setup.output,
  };
  const { TabmNetwork } = await import('../neural/tabm-network.js');
  const network = new TabmNetwork(topology, params.dropout);
  const result = await setup.trainer.trainNetwork(network, setup.trainer.headFor(topology), setup.train, setup.valid, setup.loop);
  const state: TabmState = {
    task: train.task,
    topology,
    encoder: setup.encoder.toJSON(),
    targetCenter: setup.targetCenter,
    targetScale: setup.targetScale,
    training: trainingSummary(setup, result),
  };
  return new TabmMember(state, setup.encoder, result.parameters);
}

async function loadTabm(serialized: SerializedMember): Promise<FittedMember> {
  const state = checkSerialized(serialized, FAMILY, FORMAT_VERSION) as unknown as TabmState;
  if (typeof state.topology !== 'object' || state.topology === null) throw new Error(`${FAMILY}: state lacks the topology`);
  if (typeof state.targetCenter !== 'number' || typeof state.targetScale !== 'number') {
    throw new Error(`${FAMILY}: state lacks the target scaling`);
  }
  const encoder = loadDenseEncoder(state.encoder);
  if (encoder.width !== state.topology.inputWidth) {
    throw new Error(`${FAMILY}: encoder width ${encoder.width} != network input ${state.topology.inputWidth}`);
  }
  const weights = readFloat32Blob(serialized.blobs['weights'], 'weights');
  const expected = tabmLayout(state.topology).size;
  if (weights.length !== expected) throw new Error(`${FAMILY}: ${weights.length} weights, the topology needs ${expected}`);
  return new TabmMember(state, encoder, weights);
}

export const tabmFamily: MemberFamily = {
  name: FAMILY,
  description: 'TabM: an MLP ensemble of k weight-sharing sub-networks (BatchEnsemble adapters, mean of k heads), TensorFlow.js',
  defaults: schemaDefaults(SCHEMA),
  supports: () => true,
  fit: fitTabm,
  load: loadTabm,
};

export const tabmSchema = SCHEMA;

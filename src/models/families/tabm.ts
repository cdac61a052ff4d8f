import type { Dataset } from '../../data/dataset.js';
import { resolveConfig, schemaDefaults } from '../config.js';
import { TABM_ADAPTERS, type TabmTopology } from '../neural/tabm.js';
import type { Config, FitContext, FittedMember, MemberFamily } from '../types.js';
import { NEURAL_SCHEMA, neuralState, prepareNeuralFit } from './neural-common.js';
import { loadTabm, tabmMember } from './tabm-member.js';

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

const SCHEMA = {
  ...NEURAL_SCHEMA,
  width: { ...NEURAL_SCHEMA.width, default: 64 },
  learning_rate: { ...NEURAL_SCHEMA.learning_rate, default: 2e-3 },
  members: { kind: 'number', default: 32, min: 1, max: 128, integer: true, doc: 'sub-networks k (heads averaged)' },
  adapters: { kind: 'choice', default: 'all', values: TABM_ADAPTERS, doc: "per-member adapters: 'all' layers (TabM) or the 'first' (TabM-mini)" },
} as const;

const resolveParams = (config: Config) => resolveConfig(FAMILY, SCHEMA, config);

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
  return tabmMember(neuralState(train, topology, setup, result), setup.encoder, result.parameters);
}

export const tabmFamily: MemberFamily = {
  name: FAMILY,
  description: 'TabM: an MLP ensemble of k weight-sharing sub-networks (BatchEnsemble adapters, mean of k heads), TensorFlow.js',
  defaults: schemaDefaults(SCHEMA),
  supports: () => true,
  fit: fitTabm,
  load: loadTabm,
  // Measured default fits (k = 32) on the WebAssembly backend at load average 5-6: 8.7 s (credit-g, 800 rows) to
  // 35 s (segment, 1,848 rows, 7 classes); 3,680 rows (spambase) did not finish in 60 s.
  estimateFitSeconds: ({ rows, outputs }) => 0.5 + 8e-3 * rows * (1 + outputs / 10),
};

export const tabmSchema = SCHEMA;

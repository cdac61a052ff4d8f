import type { Dataset } from '../../data/dataset.js';
import { resolveConfig, schemaDefaults } from '../config.js';
import type { MlpTopology } from '../neural/network.js';
import type { Config, FitContext, FittedMember, MemberFamily } from '../types.js';
import { loadMlp, mlpMember } from './mlp-member.js';
import { NEURAL_SCHEMA, neuralState, prepareNeuralFit } from './neural-common.js';

/**
 * `mlp`: a multilayer perceptron trained with TensorFlow.js (backend chosen once per process, see
 * ../neural/backend.ts; training step ../neural/train.ts) on DenseEncoder inputs (imputation, missing
 * indicators, one-hot, standardization). Classification: softmax over all k classes of the dataset,
 * cross-entropy (optionally class-balanced). Regression: the target is standardized for training and the output
 * mapped back; n x 1 predictions; with `loss: 'gaussian_nll'` the network has a second output, a variance, trained
 * by Gaussian negative log-likelihood (AutoDEUQ's members), and `predictVariance` returns it in squared target
 * units. Early stopping watches the loss on a seeded validation part
 * (`validation_fraction` of the training rows, stratified for classification; none below 20 rows or with
 * fraction 0) and restores the best epoch's weights. `batch_size` 0 (the default) scales the batch with rows.
 *
 * Predictions run in plain JavaScript over the trained float32 weights (../neural/network.ts), so they do not
 * depend on the training backend, a reloaded member predicts bit-identical numbers, and TensorFlow.js is
 * imported (lazily) only by `fit`. Serialized form: see ./neural-common.ts; the weights are packed as
 * ../neural/network.ts `packWeights` lays them out.
 */
const FAMILY = 'mlp';

const SCHEMA = {
  ...NEURAL_SCHEMA,
  batch_norm: { kind: 'boolean', default: false, doc: 'batch normalization before each activation' },
  loss: { kind: 'choice', default: 'squared_error', values: ['squared_error', 'gaussian_nll'], doc: 'regression loss; gaussian_nll adds a variance output' },
} as const;

const resolveParams = (config: Config) => resolveConfig(FAMILY, SCHEMA, config);

async function fitMlp(train: Dataset, config: Config, ctx: FitContext): Promise<FittedMember> {
  const params = resolveParams(config);
  const setup = await prepareNeuralFit(FAMILY, train, params, ctx, { gaussian: params.loss === 'gaussian_nll' });
  const topology: MlpTopology = {
    inputWidth: setup.encoder.width,
    hidden: new Array<number>(params.hidden_layers).fill(params.width),
    outputWidth: setup.outputWidth,
    activation: params.activation,
    batchNorm: params.batch_norm,
    output: setup.gaussian ? 'gaussian' : setup.output,
  };
  const result = await setup.trainer.trainMlp(setup.train, setup.valid, { ...setup.loop, topology, dropout: params.dropout });
  return mlpMember(neuralState(train, topology, setup, result), setup.encoder, result.weights);
}

export const mlpFamily: MemberFamily = {
  name: FAMILY,
  description: 'Multilayer perceptron (TensorFlow.js: Adam, dropout, batch norm, early stopping) on standardized one-hot inputs',
  defaults: schemaDefaults(SCHEMA),
  supports: () => true,
  fit: fitMlp,
  load: loadMlp,
  // Measured default fits on the WebAssembly backend (hand-written step, early stopping) at load average 5-6: 0.6 s
  // (credit-g) to 5.5 s (satimage, 5,148 rows): about 1 ms per training row.
  estimateFitSeconds: ({ rows }) => 0.3 + 1e-3 * rows,
};

export const mlpSchema = SCHEMA;

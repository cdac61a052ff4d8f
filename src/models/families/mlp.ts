import { takeRows, type Dataset } from '../../data/dataset.js';
import { holdout } from '../../data/split.js';
import { fitDenseEncoder } from '../../preprocess/dense-encoder.js';
import type { DenseEncoder } from '../../preprocess/types.js';
import { deriveSeed } from '../../util/random.js';
import { balancedSampleWeights } from '../class-weights.js';
import { resolveConfig, schemaDefaults, throwIfAborted } from '../config.js';
import { ACTIVATIONS, LR_SCHEDULES, type MlpTopology } from '../neural/network.js';
import type { TrainData } from '../neural/train.js';
import type { Config, FitContext, FittedMember, MemberFamily } from '../types.js';
import { loadMlp, MlpMember, type MlpState } from './mlp-member.js';

/**
 * `mlp`: a multilayer perceptron trained with TensorFlow.js (backend chosen once per process, see
 * ../neural/backend.ts) on DenseEncoder inputs (imputation, missing indicators, one-hot, standardization).
 * Classification: softmax over all k classes of the dataset, cross-entropy (optionally class-balanced).
 * Regression: the target is standardized for training and the output mapped back; n x 1 predictions.
 * Early stopping watches the loss on a seeded validation part (`validation_fraction` of the training rows,
 * stratified for classification; none below 20 rows or with fraction 0) and restores the best epoch's weights.
 *
 * Predictions run in plain JavaScript over the trained float32 weights (../neural/network.ts), so they do not
 * depend on the training backend, a reloaded member predicts bit-identical numbers, and TensorFlow.js is
 * imported (lazily) only by `fit`. Serialized form: the
 * topology, encoder and target scaling in `state`, all weights in one little-endian float32 blob `weights`.
 */
const FAMILY = 'mlp';

const SCHEMA = {
  hidden_layers: { kind: 'number', default: 2, min: 1, max: 8, integer: true, doc: 'hidden layers' },
  width: { kind: 'number', default: 128, min: 1, max: 4096, integer: true, doc: 'units per hidden layer' },
  activation: { kind: 'choice', default: 'relu', values: ACTIVATIONS, doc: 'hidden activation' },
  dropout: { kind: 'number', default: 0.1, min: 0, max: 0.9, doc: 'dropout rate after each hidden layer' },
  batch_norm: { kind: 'boolean', default: false, doc: 'batch normalization before each activation' },
  learning_rate: { kind: 'number', default: 1e-3, min: 1e-6, max: 1, doc: 'Adam learning rate' },
  lr_schedule: { kind: 'choice', default: 'cosine', values: LR_SCHEDULES, doc: 'per-epoch learning-rate schedule' },
  batch_size: { kind: 'number', default: 128, min: 1, max: 65536, integer: true, doc: 'mini-batch size' },
  max_epochs: { kind: 'number', default: 100, min: 1, max: 10000, integer: true, doc: 'epoch cap' },
  patience: { kind: 'number', default: 10, min: 1, max: 1000, integer: true, doc: 'early-stopping patience (epochs)' },
  validation_fraction: { kind: 'number', default: 0.1, min: 0, max: 0.5, doc: 'rows held out for early stopping' },
  l2: { kind: 'number', default: 1e-5, min: 0, max: 10, doc: 'weight decay on kernels' },
  class_weight: { kind: 'choice', default: 'none', values: ['none', 'balanced'], doc: 'class weighting' },
  max_one_hot: { kind: 'number', default: 32, min: 1, max: 10000, integer: true, doc: 'one-hot columns per feature' },
} as const;

type Params = ReturnType<typeof resolveParams>;
const resolveParams = (config: Config) => resolveConfig(FAMILY, SCHEMA, config);

/** Below this many training rows no validation part is held out (all rows train, `max_epochs` run). */
const MIN_ROWS_FOR_VALIDATION = 20;

async function fitMlp(train: Dataset, config: Config, ctx: FitContext): Promise<FittedMember> {
  const params = resolveParams(config);
  throwIfAborted(ctx.signal, FAMILY);
  // TensorFlow.js (about 1-2 s to import) is loaded only to train: loading and predicting never need it.
  const [{ ensureBackend }, { trainMlp }] = await Promise.all([import('../neural/backend.js'), import('../neural/train.js')]);
  const backend = await ensureBackend(ctx.backend);
  ctx.log?.(`mlp: TensorFlow.js backend ${backend.name} (${backend.reason})`);
  const encoder = fitDenseEncoder(train, { standardize: true, maxOneHotCategories: params.max_one_hot });
  const classification = train.target.kind === 'classes';
  const outputWidth = train.target.kind === 'classes' ? train.target.classes.length : 1;
  const topology: MlpTopology = {
    inputWidth: encoder.width,
    hidden: new Array<number>(params.hidden_layers).fill(params.width),
    outputWidth,
    activation: params.activation,
    batchNorm: params.batch_norm,
    output: classification ? 'softmax' : 'identity',
  };
  const { center, scale } = targetScaling(train);
  const split = validationSplit(train, params, ctx.seed);
  const toData = (part: Dataset) => trainData(part, encoder, params, center, scale);
  const result = await trainMlp(toData(split.train), split.valid === null ? null : toData(split.valid), {
    topology,
    dropout: params.dropout,
    learningRate: params.learning_rate,
    schedule: params.lr_schedule,
    batchSize: params.batch_size,
    maxEpochs: params.max_epochs,
    patience: params.patience,
    l2: params.l2,
    seed: deriveSeed(ctx.seed, 2),
    signal: ctx.signal,
    deadline: ctx.deadline,
    ...(ctx.log !== undefined ? { log: ctx.log } : {}),
  });
  const state: MlpState = {
    task: train.task,
    topology,
    encoder: encoder.toJSON(),
    targetCenter: center,
    targetScale: scale,
    training: {
      backend: backend.name,
      epochs: result.epochs,
      bestEpoch: result.bestEpoch,
      bestLoss: result.bestLoss,
      stoppedBy: result.stoppedBy,
    },
  };
  return new MlpMember(state, encoder, result.weights);
}

/** Mean and standard deviation of a regression target (0 and 1 for classification or a constant target). */
function targetScaling(train: Dataset): { center: number; scale: number } {
  if (train.target.kind !== 'values') return { center: 0, scale: 1 };
  const y = train.target.values;
  let mean = 0;
  for (let i = 0; i < y.length; i++) mean += y[i]!;
  mean /= y.length;
  let squares = 0;
  for (let i = 0; i < y.length; i++) squares += (y[i]! - mean) ** 2;
  const std = Math.sqrt(squares / y.length);
  return { center: mean, scale: std > 0 ? std : 1 };
}

function validationSplit(train: Dataset, params: Params, seed: number): { train: Dataset; valid: Dataset | null } {
  if (params.validation_fraction === 0 || train.nRows < MIN_ROWS_FOR_VALIDATION) return { train, valid: null };
  const stratify = train.target.kind === 'classes' ? train.target.codes : undefined;
  const fold = holdout(train.nRows, params.validation_fraction, deriveSeed(seed, 1), stratify);
  return { train: takeRows(train, fold.train), valid: takeRows(train, fold.test) };
}

function trainData(part: Dataset, encoder: DenseEncoder, params: Params, center: number, scale: number): TrainData {
  const X = Float32Array.from(encoder.transform(part));
  if (part.target.kind === 'classes') {
    const k = part.target.classes.length;
    const labels = part.target.codes;
    if (params.class_weight === 'balanced') {
      return { X, n: part.nRows, labels, weights: Float32Array.from(balancedSampleWeights(labels, k)) };
    }
    return { X, n: part.nRows, labels };
  }
  const targets = new Float32Array(part.nRows);
  for (let i = 0; i < part.nRows; i++) targets[i] = (part.target.values[i]! - center) / scale;
  return { X, n: part.nRows, targets };
}

export const mlpFamily: MemberFamily = {
  name: FAMILY,
  description: 'Multilayer perceptron (TensorFlow.js: Adam, dropout, batch norm, early stopping) on standardized one-hot inputs',
  defaults: schemaDefaults(SCHEMA),
  supports: () => true,
  fit: fitMlp,
  load: loadMlp,
};

export const mlpSchema = SCHEMA;

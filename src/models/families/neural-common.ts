import { takeRows, type Dataset } from '../../data/dataset.js';
import { holdout } from '../../data/split.js';
import { fitDenseEncoder } from '../../preprocess/dense-encoder.js';
import type { DenseEncoder } from '../../preprocess/types.js';
import { deriveSeed } from '../../util/random.js';
import { balancedSampleWeights } from '../class-weights.js';
import { throwIfAborted } from '../config.js';
import { ACTIVATIONS, LR_SCHEDULES } from '../neural/network.js';
import type { TrainData } from '../neural/device-rows.js';
import type { LoopOptions, NetworkTrainResult } from '../neural/train.js';
import type { FitContext } from '../types.js';
import type { NeuralState, TopologyBase, TrainingSummary } from './neural-member.js';

export { loadNeuralParts, NeuralMember, type NetworkPredictor, type NeuralState, type TopologyBase, type TrainingSummary } from './neural-member.js';

/**
 * What the neural families (`mlp`, `tabm`) share to train: their common hyperparameters, the input encoding,
 * target scaling, the early-stopping split, the batch size scaled with rows and the loading of TensorFlow.js. The
 * fitted member itself is in ./neural-member.ts (no training code).
 */

/** Hyperparameters every neural family has (a family adds its own). */
export const NEURAL_SCHEMA = {
  hidden_layers: { kind: 'number', default: 2, min: 1, max: 8, integer: true, doc: 'hidden layers' },
  width: { kind: 'number', default: 128, min: 1, max: 4096, integer: true, doc: 'units per hidden layer' },
  activation: { kind: 'choice', default: 'relu', values: ACTIVATIONS, doc: 'hidden activation' },
  dropout: { kind: 'number', default: 0.1, min: 0, max: 0.9, doc: 'dropout rate after each hidden layer' },
  learning_rate: { kind: 'number', default: 1e-3, min: 1e-6, max: 1, doc: 'Adam learning rate' },
  lr_schedule: { kind: 'choice', default: 'cosine', values: LR_SCHEDULES, doc: 'per-epoch learning-rate schedule' },
  batch_size: { kind: 'number', default: 0, min: 0, max: 65536, integer: true, doc: 'mini-batch size; 0: scaled with rows (autoBatchSize)' },
  max_epochs: { kind: 'number', default: 100, min: 1, max: 10000, integer: true, doc: 'epoch cap' },
  patience: { kind: 'number', default: 10, min: 1, max: 1000, integer: true, doc: 'early-stopping patience (epochs)' },
  validation_fraction: { kind: 'number', default: 0.1, min: 0, max: 0.5, doc: 'rows held out for early stopping' },
  l2: { kind: 'number', default: 1e-5, min: 0, max: 10, doc: 'weight decay on kernels' },
  class_weight: { kind: 'choice', default: 'none', values: ['none', 'balanced'], doc: 'class weighting' },
  max_one_hot: { kind: 'number', default: 32, min: 1, max: 10000, integer: true, doc: 'one-hot columns per feature' },
} as const;

/** The resolved common hyperparameters (every neural family's resolved config has at least these). */
export interface NeuralParams {
  readonly hidden_layers: number;
  readonly width: number;
  readonly dropout: number;
  readonly learning_rate: number;
  readonly lr_schedule: LoopOptions['schedule'];
  readonly batch_size: number;
  readonly max_epochs: number;
  readonly patience: number;
  readonly validation_fraction: number;
  readonly l2: number;
  readonly class_weight: 'none' | 'balanced';
  readonly max_one_hot: number;
}

/** Below this many training rows no validation part is held out (all rows train, `max_epochs` run). */
const MIN_ROWS_FOR_VALIDATION = 20;

/**
 * Mini-batch size for `batch_size` 0: about 2√rows, rounded to a power of two, within [32, 1024] (500 rows: 32,
 * 5,000: 128, 100,000: 512). Small data gets enough steps per epoch; large data gets fewer, larger steps,
 * which every backend runs faster per row.
 */
export function autoBatchSize(rows: number): number {
  const target = 2 * Math.sqrt(Math.max(1, rows));
  return Math.min(1024, Math.max(32, 2 ** Math.round(Math.log2(target))));
}


/** Everything a neural fit needs before building its network. */
export interface NeuralFitSetup {
  readonly backend: string;
  readonly encoder: DenseEncoder;
  readonly outputWidth: number;
  readonly output: 'softmax' | 'identity';
  /** Regression with a Gaussian variance head (two outputs: mean and variance; `output` is 'identity'). */
  readonly gaussian: boolean;
  /** Regression target scaling: prediction = output * targetScale + targetCenter. */
  readonly targetCenter: number;
  readonly targetScale: number;
  readonly train: TrainData;
  readonly valid: TrainData | null;
  readonly loop: LoopOptions;
  /** The trainer module, loaded with TensorFlow.js only now. */
  readonly trainer: typeof import('../neural/train.js');
}

/**
 * Choose the TensorFlow.js backend (once per thread), encode the inputs, scale a regression target, hold out
 * the early-stopping rows and settle the training-loop options. TensorFlow.js (1-2 s to import) is loaded here,
 * only to train: loading and predicting a member never need it.
 */
export async function prepareNeuralFit(
  family: string,
  train: Dataset,
  params: NeuralParams,
  ctx: FitContext,
  options: { readonly gaussian?: boolean } = {},
): Promise<NeuralFitSetup> {
  throwIfAborted(ctx.signal, family);
  const [{ ensureBackend }, trainer] = await Promise.all([import('../neural/backend.js'), import('../neural/train.js')]);
  const backend = await ensureBackend(ctx.backend);
  ctx.log?.(`${family}: TensorFlow.js backend ${backend.name} (${backend.reason})`);
  const encoder = fitDenseEncoder(train, { standardize: true, maxOneHotCategories: params.max_one_hot });
  // The variance head is for regression; classification ignores the option (as regression ignores class_weight).
  const gaussian = options.gaussian === true && train.target.kind === 'values';
  const { center, scale } = targetScaling(train);
  const split = validationSplit(train, params.validation_fraction, ctx.seed);
  const toData = (part: Dataset) => trainData(part, encoder, params.class_weight, center, scale);
  const trainPart = toData(split.train);
  return {
    backend: backend.name,
    encoder,
    outputWidth: train.target.kind === 'classes' ? train.target.classes.length : gaussian ? 2 : 1,
    output: train.target.kind === 'classes' ? 'softmax' : 'identity',
    gaussian,
    targetCenter: center,
    targetScale: scale,
    train: trainPart,
    valid: split.valid === null ? null : toData(split.valid),
    loop: {
      learningRate: params.learning_rate,
      schedule: params.lr_schedule,
      batchSize: params.batch_size === 0 ? autoBatchSize(trainPart.n) : params.batch_size,
      maxEpochs: params.max_epochs,
      patience: params.patience,
      l2: params.l2,
      seed: deriveSeed(ctx.seed, 2),
      signal: ctx.signal,
      deadline: ctx.deadline,
      ...(ctx.log !== undefined ? { log: (message: string) => ctx.log!(`${family} ${message}`) } : {}),
    },
    trainer,
  };
}

export function trainingSummary(setup: NeuralFitSetup, result: Pick<NetworkTrainResult, 'epochs' | 'bestEpoch' | 'bestLoss' | 'stoppedBy'>): TrainingSummary {
  return {
    backend: setup.backend,
    batchSize: Math.min(setup.loop.batchSize, setup.train.n),
    epochs: result.epochs,
    bestEpoch: result.bestEpoch,
    bestLoss: result.bestLoss,
    stoppedBy: result.stoppedBy,
  };
}




export function neuralState<T extends TopologyBase>(
  train: Dataset,
  topology: T,
  setup: NeuralFitSetup,
  result: Pick<NetworkTrainResult, 'epochs' | 'bestEpoch' | 'bestLoss' | 'stoppedBy'>,
): NeuralState<T> {
  return {
    task: train.task,
    topology,
    encoder: setup.encoder.toJSON(),
    targetCenter: setup.targetCenter,
    targetScale: setup.targetScale,
    training: trainingSummary(setup, result),
  };
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

/** A seeded (stratified for classification) early-stopping part; none below 20 rows or with fraction 0. */
function validationSplit(train: Dataset, fraction: number, seed: number): { train: Dataset; valid: Dataset | null } {
  if (fraction === 0 || train.nRows < MIN_ROWS_FOR_VALIDATION) return { train, valid: null };
  const stratify = train.target.kind === 'classes' ? train.target.codes : undefined;
  const fold = holdout(train.nRows, fraction, deriveSeed(seed, 1), stratify);
  return { train: takeRows(train, fold.train), valid: takeRows(train, fold.test) };
}

function trainData(part: Dataset, encoder: DenseEncoder, classWeight: 'none' | 'balanced', center: number, scale: number): TrainData {
  const X = Float32Array.from(encoder.transform(part));
  if (part.target.kind === 'classes') {
    const k = part.target.classes.length;
    const labels = part.target.codes;
    if (classWeight === 'balanced') return { X, n: part.nRows, labels, weights: Float32Array.from(balancedSampleWeights(labels, k)) };
    return { X, n: part.nRows, labels };
  }
  const targets = new Float32Array(part.nRows);
  for (let i = 0; i < part.nRows; i++) targets[i] = (part.target.values[i]! - center) / scale;
  return { X, n: part.nRows, targets };
}

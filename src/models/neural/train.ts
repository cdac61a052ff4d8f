import * as tf from '@tensorflow/tfjs';
import { deriveSeed, Rng } from '../../util/random.js';
import { abortError, yieldToEventLoop } from '../config.js';
import {
  BATCH_NORM_EPSILON,
  GAUSSIAN_MIN_VARIANCE,
  initialWeights,
  layerShapes,
  packWeights,
  unpackWeights,
  type LayerWeights,
  type LrSchedule,
  type MlpTopology,
} from './network.js';

/**
 * MLP training on the active TensorFlow.js backend (choose it first with `ensureBackend`): mini-batch Adam
 * with a per-epoch learning-rate schedule, L2 weight decay, dropout, batch norm, per-row weights (class
 * weighting) and early stopping on a validation part (best weights restored).
 *
 * Determinism: initial weights, the per-epoch row order and the dropout masks (tf.randomUniform with a seed
 * derived per step and layer) all come from `seed`; the cpu and wasm backends are single-threaded and run the
 * same kernels in the same order, so the same seed gives the same weights on the same backend.
 * The signal is checked before every batch; the event loop gets a turn at least every 25 ms so an abort
 * (or timer) can land; past `deadline` training stops and keeps the best weights so far.
 */
export { LR_SCHEDULES, type LrSchedule } from './network.js';

export interface TrainData {
  /** Row-major n x inputWidth. */
  readonly X: Float32Array;
  readonly n: number;
  /** Classification: class codes 0..outputWidth-1. */
  readonly labels?: Int32Array;
  /** Regression: targets (n x outputWidth). */
  readonly targets?: Float32Array;
  /** Per-row loss weights (default 1). */
  readonly weights?: Float32Array;
}

export interface TrainOptions {
  readonly topology: MlpTopology;
  readonly dropout: number;
  readonly learningRate: number;
  readonly schedule: LrSchedule;
  readonly batchSize: number;
  readonly maxEpochs: number;
  /** Epochs without validation improvement before stopping. */
  readonly patience: number;
  /** Weight decay: loss += l2 / 2 * Σ kernel². */
  readonly l2: number;
  readonly seed: number;
  readonly signal: AbortSignal;
  readonly deadline: number;
  readonly log?: (message: string) => void;
}

export interface TrainResult {
  readonly weights: Float32Array;
  readonly epochs: number;
  readonly bestEpoch: number;
  /** Validation loss at the best epoch (training loss without validation). */
  readonly bestLoss: number;
  readonly stoppedBy: 'max_epochs' | 'early_stopping' | 'deadline';
}

/** Adam whose learning rate can change between steps (tf keeps it in a protected field). */
class ScheduledAdam extends tf.AdamOptimizer {
  setLearningRate(rate: number): void {
    this.learningRate = rate;
  }
}

interface LayerVariables {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;
  readonly bn?: { gamma: tf.Variable; beta: tf.Variable; movingMean: tf.Variable; movingVariance: tf.Variable };
}

const BN_MOMENTUM = 0.9;
const YIELD_EVERY_MS = 25;

export async function trainMlp(train: TrainData, valid: TrainData | null, options: TrainOptions): Promise<TrainResult> {
  const { topology } = options;
  const rng = new Rng(deriveSeed(options.seed, 0));
  const layers = createVariables(topology, initialWeights(topology, rng));
  const trainable = layers.flatMap((l) => [l.kernel, l.bias, ...(l.bn ? [l.bn.gamma, l.bn.beta] : [])]);
  const optimizer = new ScheduledAdam(options.learningRate, 0.9, 0.999, 1e-7);
  const shuffle = new Rng(deriveSeed(options.seed, 1));
  const batchSize = Math.max(1, Math.min(options.batchSize, train.n));
  let best = { loss: Infinity, epoch: -1, weights: readWeights(topology, layers) };
  let lr = options.learningRate;
  let sinceImprovement = 0;
  let stoppedBy: TrainResult['stoppedBy'] = 'max_epochs';
  let step = 0;
  let lastYield = Date.now();
  let epoch = 0;
  try {
    for (; epoch < options.maxEpochs; epoch++) {
      lr = scheduledRate(options, epoch, lr, sinceImprovement);
      optimizer.setLearningRate(lr);
      const order = shuffle.permutation(train.n);
      // Without a validation part, the training loss picks the best epoch: summed on the device, read once.
      let epochLoss: tf.Scalar | undefined;
      for (let start = 0; start < train.n; start += batchSize) {
        if (options.signal.aborted) throw abortError(options.signal, 'mlp');
        const rows = order.subarray(start, Math.min(train.n, start + batchSize));
        // A batch of one row has no batch-norm variance: skip it (it only happens as the last, partial batch).
        if (topology.batchNorm && rows.length < 2) continue;
        const batchLoss = trainStep(layers, trainable, optimizer, train, rows, options, step++, valid === null);
        if (batchLoss !== undefined) epochLoss = accumulate(epochLoss, batchLoss);
        if (Date.now() - lastYield >= YIELD_EVERY_MS) {
          await yieldToEventLoop();
          lastYield = Date.now();
        }
      }
      const loss = valid !== null ? evaluateLoss(layers, valid, options) : readAndDispose(epochLoss) / train.n;
      if (loss < best.loss - 1e-7 * Math.abs(best.loss) || best.epoch < 0) {
        best = { loss, epoch, weights: readWeights(topology, layers) };
        sinceImprovement = 0;
      } else {
        sinceImprovement++;
      }
      options.log?.(`mlp epoch ${epoch + 1}: lr ${lr.toPrecision(3)} ${valid !== null ? 'valid' : 'train'} loss ${loss.toFixed(5)}`);
      if (valid !== null && sinceImprovement >= options.patience) {
        stoppedBy = 'early_stopping';
        epoch++;
        break;
      }
      if (Date.now() >= options.deadline) {
        stoppedBy = 'deadline';
        epoch++;
        break;
      }
      await yieldToEventLoop();
      lastYield = Date.now();
    }
  } finally {
    optimizer.dispose();
    tf.dispose(layers.flatMap(layerTensors));
  }
  if (!Number.isFinite(best.loss)) throw new Error(`mlp: training diverged (loss ${best.loss}); lower the learning rate`);
  return { weights: best.weights, epochs: epoch, bestEpoch: best.epoch + 1, bestLoss: best.loss, stoppedBy };
}

function scheduledRate(options: TrainOptions, epoch: number, current: number, sinceImprovement: number): number {
  switch (options.schedule) {
    case 'constant':
      return options.learningRate;
    case 'cosine':
      // Cosine decay to 1% of the initial rate over maxEpochs.
      return options.learningRate * (0.01 + 0.99 * 0.5 * (1 + Math.cos((Math.PI * epoch) / options.maxEpochs)));
    case 'plateau': {
      // Halve after half the patience without improvement (then count afresh via the modulo).
      const wait = Math.max(1, Math.floor(options.patience / 2));
      return sinceImprovement > 0 && sinceImprovement % wait === 0 ? Math.max(current / 2, options.learningRate * 1e-3) : current;
    }
  }
}

function accumulate(total: tf.Scalar | undefined, term: tf.Scalar): tf.Scalar {
  if (total === undefined) return term;
  const sum = tf.add(total, term) as tf.Scalar;
  tf.dispose([total, term]);
  return sum;
}

function readAndDispose(total: tf.Scalar | undefined): number {
  if (total === undefined) return NaN;
  const value = total.dataSync()[0]!;
  total.dispose();
  return value;
}

/** One Adam step on the rows; with `wantLoss`, returns the batch's summed data loss (no L2 term) as a tensor. */
function trainStep(
  layers: LayerVariables[],
  trainable: tf.Variable[],
  optimizer: ScheduledAdam,
  data: TrainData,
  rows: Int32Array,
  options: TrainOptions,
  step: number,
  wantLoss: boolean,
): tf.Scalar | undefined {
  return tf.tidy(() => {
    const batch = batchTensors(data, rows, options.topology.inputWidth);
    // Tensors made inside the gradient function are disposed when it returns unless kept: keep what the
    // step still needs (data loss, batch-norm batch statistics) and dispose it here.
    const pass: TrainingPass = { step, batchStats: [] };
    let dataLoss: tf.Scalar | undefined;
    optimizer.minimize(
      () => {
        const out = forward(layers, batch.x, options, pass);
        dataLoss = tf.keep(lossOf(out, batch, options.topology));
        return tf.add(dataLoss, l2Penalty(layers, options.l2)) as tf.Scalar;
      },
      false,
      trainable,
    );
    pass.batchStats.forEach((stats, l) => {
      const bn = layers[l]!.bn!;
      bn.movingMean.assign(tf.add(tf.mul(bn.movingMean, BN_MOMENTUM), tf.mul(stats.mean, 1 - BN_MOMENTUM)));
      bn.movingVariance.assign(tf.add(tf.mul(bn.movingVariance, BN_MOMENTUM), tf.mul(stats.variance, 1 - BN_MOMENTUM)));
    });
    const summed = wantLoss ? (tf.mul(dataLoss!, rows.length) as tf.Scalar) : undefined;
    tf.dispose([dataLoss!, ...pass.batchStats.flatMap((st) => (st ? [st.mean, st.variance] : []))]);
    return summed;
  });
}

interface BatchTensors {
  readonly x: tf.Tensor2D;
  readonly labels?: tf.Tensor1D;
  readonly targets?: tf.Tensor2D;
  readonly weights: tf.Tensor1D | null;
}

function batchTensors(data: TrainData, rows: ArrayLike<number>, width: number): BatchTensors {
  const b = rows.length;
  const x = new Float32Array(b * width);
  for (let r = 0; r < b; r++) x.set(data.X.subarray(rows[r]! * width, (rows[r]! + 1) * width), r * width);
  let weights: tf.Tensor1D | null = null;
  if (data.weights !== undefined) {
    const w = new Float32Array(b);
    for (let r = 0; r < b; r++) w[r] = data.weights[rows[r]!]!;
    weights = tf.tensor1d(w);
  }
  if (data.labels !== undefined) {
    const labels = new Int32Array(b);
    for (let r = 0; r < b; r++) labels[r] = data.labels[rows[r]!]!;
    return { x: tf.tensor2d(x, [b, width]), labels: tf.tensor1d(labels, 'int32'), weights };
  }
  const m = data.targets!.length / data.n;
  const targets = new Float32Array(b * m);
  for (let r = 0; r < b; r++) targets.set(data.targets!.subarray(rows[r]! * m, (rows[r]! + 1) * m), r * m);
  return { x: tf.tensor2d(x, [b, width]), targets: tf.tensor2d(targets, [b, m]), weights };
}

interface TrainingPass {
  readonly step: number;
  readonly batchStats: { mean: tf.Tensor1D; variance: tf.Tensor1D }[];
}

/** Logits (or regression outputs); `training` set => batch statistics, dropout, stats recorded. */
function forward(layers: LayerVariables[], x: tf.Tensor2D, options: TrainOptions, training: TrainingPass | null): tf.Tensor2D {
  let h: tf.Tensor2D = x;
  layers.forEach((layer, l) => {
    // Fused matMul + bias: one kernel instead of two (activations are fused only outside gradient mode).
    let z = tf.fused.matMul({ a: h, b: layer.kernel as tf.Tensor2D, bias: layer.bias }) as tf.Tensor2D;
    if (l === layers.length - 1) {
      h = z;
      return;
    }
    if (layer.bn !== undefined) {
      if (training !== null) {
        const { mean, variance } = tf.moments(z, 0);
        training.batchStats[l] = { mean: tf.keep(mean as tf.Tensor1D), variance: tf.keep(variance as tf.Tensor1D) };
        z = tf.batchNorm(z, mean, variance, layer.bn.beta, layer.bn.gamma, BATCH_NORM_EPSILON) as tf.Tensor2D;
      } else {
        z = tf.batchNorm(
          z,
          layer.bn.movingMean as tf.Tensor1D,
          layer.bn.movingVariance as tf.Tensor1D,
          layer.bn.beta as tf.Tensor1D,
          layer.bn.gamma as tf.Tensor1D,
          BATCH_NORM_EPSILON,
        ) as tf.Tensor2D;
      }
    }
    h = activation(z, options.topology.activation);
    if (training !== null && options.dropout > 0) {
      h = tf.mul(h, dropoutMask(h.shape, options.dropout, deriveSeed(options.seed, 2, training.step, l))) as tf.Tensor2D;
    }
  });
  return h;
}

/**
 * Inverted-dropout mask (0 or 1 / (1 - rate)) drawn with our Rng: seeded per step and layer, the same on every
 * backend, and far cheaper than tf.randomUniform's seeded generator.
 */
function dropoutMask(shape: [number, number], rate: number, seed: number): tf.Tensor2D {
  const rng = new Rng(seed);
  const mask = new Float32Array(shape[0] * shape[1]);
  const kept = 1 / (1 - rate);
  // Compare 32-bit draws with an integer threshold: one draw per unit.
  const threshold = Math.floor(rate * 4294967296);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.nextUint32() >= threshold ? kept : 0;
  return tf.tensor2d(mask, shape);
}

function activation(z: tf.Tensor2D, name: MlpTopology['activation']): tf.Tensor2D {
  switch (name) {
    case 'relu':
      return tf.relu(z);
    case 'tanh':
      return tf.tanh(z);
    case 'elu':
      return tf.elu(z);
  }
}

/**
 * Loss per row: softmax cross-entropy for classification, mean squared error over outputs for regression, and for
 * the 'gaussian' head the Gaussian negative log-likelihood 0.5 (log v + (y - mean)^2 / v) (constant dropped) with
 * v = softplus(z1) + GAUSSIAN_MIN_VARIANCE, as the predictor computes it.
 */
function perRowLoss(out: tf.Tensor2D, batch: BatchTensors, topology: MlpTopology): tf.Tensor1D {
  if (batch.labels !== undefined) {
    const oneHot = tf.oneHot(batch.labels, topology.outputWidth);
    return tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(out)), 1)) as tf.Tensor1D;
  }
  if (topology.output === 'gaussian') {
    const [mean, raw] = tf.split(out, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    const variance = tf.add(tf.softplus(raw), GAUSSIAN_MIN_VARIANCE);
    const nll = tf.mul(tf.add(tf.log(variance), tf.div(tf.squaredDifference(mean, batch.targets!), variance)), 0.5);
    return tf.reshape(nll, [-1]) as tf.Tensor1D;
  }
  return tf.mean(tf.squaredDifference(out, batch.targets!), 1);
}

/** Weighted mean of the per-row losses. */
function lossOf(out: tf.Tensor2D, batch: BatchTensors, topology: MlpTopology): tf.Scalar {
  const perRow = perRowLoss(out, batch, topology);
  if (batch.weights === null) return tf.mean(perRow);
  return tf.div(tf.sum(tf.mul(perRow, batch.weights)), tf.sum(batch.weights));
}

function l2Penalty(layers: LayerVariables[], l2: number): tf.Scalar {
  if (l2 === 0) return tf.scalar(0);
  return tf.mul(tf.addN(layers.map((l) => tf.sum(tf.square(l.kernel)))), l2 / 2);
}

/** Weighted mean loss on a dataset in inference mode, in chunks, one read-back per chunk. */
function evaluateLoss(layers: LayerVariables[], data: TrainData, options: TrainOptions): number {
  const chunk = 4096;
  let lossSum = 0;
  let weightSum = 0;
  for (let start = 0; start < data.n; start += chunk) {
    const rows = Int32Array.from({ length: Math.min(chunk, data.n - start) }, (_, i) => start + i);
    const [loss, weight] = tf.tidy(() => {
      const batch = batchTensors(data, rows, options.topology.inputWidth);
      const perRow = perRowLoss(forward(layers, batch.x, options, null), batch, options.topology);
      const weights = batch.weights ?? tf.onesLike(perRow);
      return tf.stack([tf.sum(tf.mul(perRow, weights)), tf.sum(weights)]).dataSync();
    });
    lossSum += loss!;
    weightSum += weight!;
  }
  return lossSum / weightSum;
}

function createVariables(topology: MlpTopology, weights: LayerWeights[]): LayerVariables[] {
  return layerShapes(topology).map((s, l) => {
    const w = weights[l]!;
    const layer: LayerVariables = {
      kernel: variableFrom(w.kernel, [s.fanIn, s.fanOut]),
      bias: variableFrom(w.bias, [s.fanOut]),
      ...(s.batchNorm
        ? {
            bn: {
              gamma: variableFrom(w.gamma!, [s.fanOut]),
              beta: variableFrom(w.beta!, [s.fanOut]),
              movingMean: variableFrom(w.movingMean!, [s.fanOut], false),
              movingVariance: variableFrom(w.movingVariance!, [s.fanOut], false),
            },
          }
        : {}),
    };
    return layer;
  });
}

/** A variable holding `values` (the initial tensor is disposed: the variable keeps its own reference). */
function variableFrom(values: Float32Array, shape: number[], trainable = true): tf.Variable {
  const initial = tf.tensor(values, shape);
  const variable = tf.variable(initial, trainable);
  initial.dispose();
  return variable;
}

function layerTensors(layer: LayerVariables): tf.Variable[] {
  return [layer.kernel, layer.bias, ...(layer.bn ? [layer.bn.gamma, layer.bn.beta, layer.bn.movingMean, layer.bn.movingVariance] : [])];
}

function readWeights(topology: MlpTopology, layers: LayerVariables[]): Float32Array {
  const read = (v: tf.Variable): Float32Array => v.dataSync() as Float32Array;
  return packWeights(
    topology,
    layers.map((l) => ({
      kernel: read(l.kernel),
      bias: read(l.bias),
      ...(l.bn
        ? { gamma: read(l.bn.gamma), beta: read(l.bn.beta), movingMean: read(l.bn.movingMean), movingVariance: read(l.bn.movingVariance) }
        : {}),
    })),
  );
}

export { unpackWeights };

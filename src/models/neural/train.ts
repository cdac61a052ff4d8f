import * as tf from '@tensorflow/tfjs';
import { deriveSeed, Rng } from '../../util/random.js';
import { abortError, yieldToEventLoop } from '../config.js';
import { DeviceRows, type Batch, type TrainData } from './device-rows.js';
import { gaussianNll, softmaxCrossEntropy, squaredError, type OutputHead } from './heads.js';
import { MlpNetwork } from './mlp-network.js';
import { Kernels } from './ops.js';
import { createParameterStore, readSnapshot, type ParameterStore } from './parameters.js';
import type { LrSchedule, MlpTopology } from './network.js';
import type { TrainableNetwork } from './trainable.js';

/**
 * Network training on the active TensorFlow.js backend (choose it first with `ensureBackend`): mini-batch Adam
 * with a per-epoch learning-rate schedule, L2 weight decay, per-row weights (class weighting) and early
 * stopping on a validation part (best parameters restored). Any TrainableNetwork (./trainable.ts) with any
 * OutputHead (./heads.ts).
 *
 * One step is a hand-written forward and backward pass, the gradient concatenated into one vector and one
 * flat Adam update: about 75 kernels for a 3-layer MLP, none of them a slow variant on the backend (./ops.ts),
 * with the rows uploaded once per fold and gathered per batch. The host reads the device once per epoch (the
 * loss); the best parameters are kept as a device copy and read once at the end.
 *
 * Determinism: initial weights, the per-epoch row order and the dropout masks all come from `seed`; the cpu
 * and wasm backends are single-threaded and run the same kernels in the same order, so the same seed gives the
 * same weights on the same backend.
 *
 * Time: the signal is checked before every batch and the event loop gets a turn at least every 25 ms so an
 * abort can land. The deadline is checked between batches and between epochs: once it has passed, the epoch
 * in progress ends there; and no epoch starts that the last epoch's duration says would end past it. Either
 * way training stops with the best weights so far ('deadline').
 */
export type { TrainData } from './device-rows.js';
export { LR_SCHEDULES, type LrSchedule } from './network.js';

export interface LoopOptions {
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
  /** ms since epoch (as `now()` reads it); Infinity for none. */
  readonly deadline: number;
  readonly log?: (message: string) => void;
  /** The clock the deadline is read on (default Date.now); injectable so tests need not race it. */
  readonly now?: () => number;
  /**
   * Where rows and parameters live: 'host' (batches copied in JavaScript, parameters per block) or 'device'
   * (rows uploaded once and gathered, one flat parameter vector). Default: 'host' on the CPU backends, 'device'
   * on GPU ones (./ops.ts). Both give the same numbers; forcing 'device' on a CPU backend tests the GPU path.
   */
  readonly placement?: 'host' | 'device';
}

export type StopReason = 'max_epochs' | 'early_stopping' | 'deadline';

export interface NetworkTrainResult {
  /** The best epoch's parameters (layout of the network) and state (`cloneState` order). */
  readonly parameters: Float32Array;
  readonly state: Float32Array[];
  readonly epochs: number;
  readonly bestEpoch: number;
  /** Validation loss at the best epoch (training loss without validation). */
  readonly bestLoss: number;
  readonly stoppedBy: StopReason;
  /** Optimizer steps and training rows processed (rows x members not counted). */
  readonly steps: number;
  readonly samples: number;
}

const YIELD_EVERY_MS = 25;
const EVALUATION_CHUNK_ROWS = 4096;

export async function trainNetwork(
  network: TrainableNetwork,
  head: OutputHead,
  train: TrainData,
  valid: TrainData | null,
  options: LoopOptions,
): Promise<NetworkTrainResult> {
  const now = options.now ?? Date.now;
  const layout = network.layout;
  const onHost = (options.placement ?? (new Kernels().hostMemory ? 'host' : 'device')) === 'host';
  let store: ParameterStore | undefined;
  let trainRows: DeviceRows | undefined;
  let validRows: DeviceRows | null | undefined;
  let best: BestEpoch | undefined;
  try {
    if (head.width !== network.outputWidth) throw new Error(`head '${head.name}' wants ${head.width} outputs, the network has ${network.outputWidth}`);
    store = createParameterStore(layout, network.initialParameters(new Rng(deriveSeed(options.seed, 0))), options.l2, !onHost);
    trainRows = new DeviceRows(train, head, !onHost);
    validRows = valid === null ? null : new DeviceRows(valid, head, !onHost);
    best = { loss: Infinity, epoch: -1, params: store.snapshot(), state: network.cloneState() };
    return await trainEpochs(network, head, store, trainRows, validRows, best, options, now);
  } finally {
    if (best !== undefined) tf.dispose([...best.params, ...best.state]);
    store?.dispose();
    trainRows?.dispose();
    validRows?.dispose();
    network.dispose();
  }
}

/** The best epoch so far: its loss, and device copies of its parameters and state. */
interface BestEpoch {
  loss: number;
  epoch: number;
  params: tf.Tensor[];
  state: tf.Tensor[];
}

/** The epoch loop of `trainNetwork` (which owns and frees everything passed in; `best` is updated in place). */
async function trainEpochs(
  network: TrainableNetwork,
  head: OutputHead,
  store: ParameterStore,
  trainRows: DeviceRows,
  validRows: DeviceRows | null,
  best: BestEpoch,
  options: LoopOptions,
  now: () => number,
): Promise<NetworkTrainResult> {
  const n = trainRows.n;
  const shuffle = new Rng(deriveSeed(options.seed, 1));
  const batchSize = Math.max(1, Math.min(options.batchSize, n));
  let lr = options.learningRate;
  let sinceImprovement = 0;
  let stoppedBy: StopReason = 'max_epochs';
  let step = 0;
  let samples = 0;
  let epoch = 0;
  let lastYield = Date.now();
  let longestEpoch = 0;
  for (; epoch < options.maxEpochs; epoch++) {
    const epochStart = now();
    lr = scheduledRate(options, epoch, lr, sinceImprovement);
    const order = shuffle.permutation(n);
    // Without a validation part the training loss picks the best epoch: summed on the device, read once.
    let epochLoss: tf.Scalar | undefined;
    let epochRows = 0;
    let cut = false;
    for (let start = 0; start < n; start += batchSize) {
      if (options.signal.aborted) throw abortError(options.signal, 'neural network');
      if (step > 0 && now() >= options.deadline) {
        cut = true;
        break;
      }
      const rows = order.subarray(start, Math.min(n, start + batchSize));
      // A batch of one row has no batch-norm variance: skip it (it only happens as the last, partial batch).
      if (rows.length < network.minBatchRows) continue;
      const batchLoss: tf.Scalar | undefined = tf.tidy(() => {
        const batch = trainRows.gather(rows);
        const pass = network.trainForward(store.blocks(), batch.x, { step, seed: options.seed });
        // Members stacked along the rows are viewed [members, b, width]: targets and weights broadcast over them.
        const out = network.members === 1 ? pass.out : tf.reshape(pass.out, [network.members, rows.length, network.outputWidth]);
        const scale = rowScale(batch, network.members);
        // The batch's weighted mean loss (averaged over members) times its row count: summed to the epoch's.
        const loss = validRows === null ? (tf.mul(tf.sum(tf.mul(head.rowLoss(out, batch.target), tf.squeeze(scale, [-1]))), rows.length) as tf.Scalar) : undefined;
        const dOut = tf.mul(head.rowGradient(out, batch.target), scale);
        store.step(pass.backward(tf.reshape(dOut, pass.out.shape) as tf.Tensor2D), lr);
        return loss;
      }) as tf.Scalar | undefined;
      if (batchLoss !== undefined) epochLoss = accumulate(epochLoss, batchLoss);
      step++;
      samples += rows.length;
      epochRows += rows.length;
      if (Date.now() - lastYield >= YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = Date.now();
      }
    }
    const loss = validRows !== null ? await evaluate(network, head, store, validRows) : (await readAndDispose(epochLoss)) / epochRows;
    if (loss < best.loss - 1e-7 * Math.abs(best.loss) || best.epoch < 0) {
      tf.dispose([...best.params, ...best.state]);
      Object.assign(best, { loss, epoch, params: store.snapshot(), state: network.cloneState() });
      sinceImprovement = 0;
    } else {
      sinceImprovement++;
    }
    options.log?.(`epoch ${epoch + 1}: lr ${lr.toPrecision(3)} ${validRows !== null ? 'valid' : 'train'} loss ${loss.toFixed(5)}`);
    const finished = now();
    longestEpoch = Math.max(longestEpoch, finished - epochStart);
    if (cut || finished + longestEpoch > options.deadline) {
      stoppedBy = 'deadline';
      epoch++;
      break;
    }
    if (validRows !== null && sinceImprovement >= options.patience) {
      stoppedBy = 'early_stopping';
      epoch++;
      break;
    }
    await yieldToEventLoop();
    lastYield = Date.now();
  }
  if (!Number.isFinite(best.loss)) throw new Error(`training diverged (loss ${best.loss}); lower the learning rate`);
  const parameters = await readSnapshot(network.layout, best.params);
  const state = await Promise.all(best.state.map(async (s) => (await s.data()) as Float32Array));
  return { parameters, state, epochs: epoch, bestEpoch: best.epoch + 1, bestLoss: best.loss, stoppedBy, steps: step, samples };
}

/**
 * Per-row factor ([b, 1], broadcasting over members) turning row gradients into the gradient of the weighted
 * mean loss, averaged over members.
 */
function rowScale(batch: Batch, members: number): tf.Tensor {
  if (batch.weights === null) return tf.fill([1, 1], 1 / (members * batch.size));
  return tf.reshape(tf.div(batch.weights, tf.mul(tf.sum(batch.weights), members)), [-1, 1]);
}

/** Weighted mean loss of the members' averaged prediction over all rows, read back once. */
async function evaluate(network: TrainableNetwork, head: OutputHead, store: ParameterStore, rows: DeviceRows): Promise<number> {
  let total: tf.Tensor1D | undefined;
  for (let start = 0; start < rows.n; start += EVALUATION_CHUNK_ROWS) {
    const size = Math.min(EVALUATION_CHUNK_ROWS, rows.n - start);
    const sums = tf.tidy(() => {
      const batch = rows.range(start, size);
      const out = network.inferForward(store.blocks(), batch.x);
      let perRow: tf.Tensor1D;
      if (network.members === 1) {
        perRow = head.rowLoss(out, batch.target) as tf.Tensor1D;
      } else {
        const predictions = tf.reshape(head.predict(out), [network.members, size, head.width]);
        perRow = head.predictionLoss(tf.mean(predictions, 0) as tf.Tensor2D, batch.target);
      }
      const weights = batch.weights ?? tf.onesLike(perRow);
      const chunk = tf.stack([tf.sum(tf.mul(perRow, weights)), tf.sum(weights)]) as tf.Tensor1D;
      return total === undefined ? chunk : (tf.add(total, chunk) as tf.Tensor1D);
    });
    total?.dispose();
    total = sums;
  }
  const [loss, weight] = (await readAll(total!)) as Float32Array;
  return loss! / weight!;
}

async function readAll(t: tf.Tensor): Promise<Float32Array> {
  const values = (await t.data()) as Float32Array;
  t.dispose();
  return values;
}

function scheduledRate(options: LoopOptions, epoch: number, current: number, sinceImprovement: number): number {
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

async function readAndDispose(total: tf.Scalar | undefined): Promise<number> {
  if (total === undefined) return NaN;
  return (await readAll(total))[0]!;
}

// ---- the MLP entry point ----

export interface TrainOptions extends LoopOptions {
  readonly topology: MlpTopology;
  readonly dropout: number;
}

export type TrainResult = Omit<NetworkTrainResult, 'parameters' | 'state'> & {
  /** Packed weights of ./network.ts. */
  readonly weights: Float32Array;
};

/** The output head a topology's output kind trains with. */
export function headFor(topology: Pick<MlpTopology, 'output' | 'outputWidth'>): OutputHead {
  if (topology.output === 'softmax') return softmaxCrossEntropy(topology.outputWidth);
  return topology.output === 'gaussian' ? gaussianNll() : squaredError(topology.outputWidth);
}

/** Train an MLP (./network.ts topology) and return its packed weights. */
export async function trainMlp(train: TrainData, valid: TrainData | null, options: TrainOptions): Promise<TrainResult> {
  const network = new MlpNetwork(options.topology, options.dropout);
  const { parameters, state, ...summary } = await trainNetwork(network, headFor(options.topology), train, valid, options);
  return { ...summary, weights: network.exportWeights(parameters, state) };
}

import { exp, expm1, softmaxInPlace, tanh } from '../../util/portable-math.js';
import type { Rng } from '../../util/random.js';

/**
 * The MLP's architecture and weights as plain data, and its inference pass in plain JavaScript.
 *
 * Training runs on a TensorFlow.js backend (./train.ts); prediction runs here, in float64 over the float32
 * weights, so a member predicts the same numbers whatever backend trained it, in any process, with or without
 * TensorFlow.js initialized, and reloading it is trivially bit-exact.
 *
 * Layer l (hidden): z = h W + b; with batch norm z = gamma (z - movingMean) / sqrt(movingVariance + eps) + beta;
 * h' = activation(z) (dropout only in training). Output: z = h W + b, then softmax (classification) or identity.
 */
export const ACTIVATIONS = ['relu', 'tanh', 'elu'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export const BATCH_NORM_EPSILON = 1e-3;

/** Floor of the variance head's output (in standardized target units): keeps the likelihood finite. */
export const GAUSSIAN_MIN_VARIANCE = 1e-6;

/** Per-epoch learning-rate schedules of the trainer (./train.ts), listed here so configs need no tf import. */
export const LR_SCHEDULES = ['constant', 'cosine', 'plateau'] as const;
export type LrSchedule = (typeof LR_SCHEDULES)[number];

export interface MlpTopology {
  readonly inputWidth: number;
  readonly hidden: readonly number[];
  readonly outputWidth: number;
  readonly activation: Activation;
  readonly batchNorm: boolean;
  /** 'gaussian': regression with a variance head (two outputs: the mean and softplus(z) + GAUSSIAN_MIN_VARIANCE). */
  readonly output: 'softmax' | 'identity' | 'gaussian';
}

/** Parameters of one layer; kernels are row-major fanIn x fanOut. Batch-norm arrays only on hidden layers. */
export interface LayerWeights {
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
  readonly gamma?: Float32Array;
  readonly beta?: Float32Array;
  readonly movingMean?: Float32Array;
  readonly movingVariance?: Float32Array;
}

export interface LayerShape {
  readonly fanIn: number;
  readonly fanOut: number;
  readonly batchNorm: boolean;
}

export function layerShapes(topology: MlpTopology): LayerShape[] {
  const shapes: LayerShape[] = [];
  let fanIn = topology.inputWidth;
  for (const width of topology.hidden) {
    shapes.push({ fanIn, fanOut: width, batchNorm: topology.batchNorm });
    fanIn = width;
  }
  shapes.push({ fanIn, fanOut: topology.outputWidth, batchNorm: false });
  return shapes;
}

/** Number of float32 values in the flat weight vector (see `packWeights` for the order). */
export function weightCount(topology: MlpTopology): number {
  let total = 0;
  for (const s of layerShapes(topology)) total += s.fanIn * s.fanOut + s.fanOut * (s.batchNorm ? 5 : 1);
  return total;
}

/** Flat order per layer: kernel, bias, then gamma, beta, movingMean, movingVariance with batch norm. */
export function packWeights(topology: MlpTopology, layers: readonly LayerWeights[]): Float32Array {
  const out = new Float32Array(weightCount(topology));
  let at = 0;
  const put = (a: Float32Array | undefined): void => {
    if (a === undefined) throw new Error('packWeights: missing batch-norm parameters');
    out.set(a, at);
    at += a.length;
  };
  layerShapes(topology).forEach((shape, l) => {
    const layer = layers[l]!;
    put(layer.kernel);
    put(layer.bias);
    if (shape.batchNorm) [layer.gamma, layer.beta, layer.movingMean, layer.movingVariance].forEach(put);
  });
  if (at !== out.length) throw new Error(`packWeights: ${at} values for ${out.length} slots`);
  return out;
}

export function unpackWeights(topology: MlpTopology, flat: Float32Array): LayerWeights[] {
  if (flat.length !== weightCount(topology)) {
    throw new Error(`MLP weights: ${flat.length} values, topology needs ${weightCount(topology)}`);
  }
  let at = 0;
  const take = (length: number): Float32Array => flat.slice(at, (at += length));
  return layerShapes(topology).map((s) => {
    const kernel = take(s.fanIn * s.fanOut);
    const bias = take(s.fanOut);
    if (!s.batchNorm) return { kernel, bias };
    return { kernel, bias, gamma: take(s.fanOut), beta: take(s.fanOut), movingMean: take(s.fanOut), movingVariance: take(s.fanOut) };
  });
}

/**
 * Initial weights from a seeded Rng: He-uniform kernels for relu/elu, Glorot-uniform for tanh and the output
 * layer; zero biases; batch norm as identity (gamma 1, beta 0, moving mean 0, moving variance 1).
 */
export function initialWeights(topology: MlpTopology, rng: Rng): LayerWeights[] {
  const shapes = layerShapes(topology);
  return shapes.map((s, l) => {
    const isOutput = l === shapes.length - 1;
    const limit =
      !isOutput && topology.activation !== 'tanh' ? Math.sqrt(6 / s.fanIn) : Math.sqrt(6 / (s.fanIn + s.fanOut));
    const kernel = new Float32Array(s.fanIn * s.fanOut);
    for (let i = 0; i < kernel.length; i++) kernel[i] = rng.uniform(-limit, limit);
    const bias = new Float32Array(s.fanOut);
    if (!s.batchNorm) return { kernel, bias };
    return {
      kernel,
      bias,
      gamma: new Float32Array(s.fanOut).fill(1),
      beta: new Float32Array(s.fanOut),
      movingMean: new Float32Array(s.fanOut),
      movingVariance: new Float32Array(s.fanOut).fill(1),
    };
  });
}

/**
 * Inference-ready layers: kernels transposed to fanOut x fanIn (contiguous dot products), batch norm folded.
 * The forward pass sums over the non-zero inputs of a row only: one-hot inputs and ReLU outputs are mostly zero.
 * Each unit still sums bias + x_0 w_0 + x_1 w_1 + ... in input order (a zero term changes no sum), so the numbers
 * are those of the plain dot product.
 */
interface InferenceLayer {
  readonly fanIn: number;
  readonly fanOut: number;
  /** Transposed kernel: fanOut x fanIn, one contiguous row of input weights per unit. */
  readonly weightsT: Float64Array;
  readonly bias: Float64Array;
  /** Per unit: z' = scale * z + shift (identity when there is no batch norm). */
  readonly scale: Float64Array | null;
  readonly shift: Float64Array | null;
}

export class MlpPredictor {
  private readonly layers: InferenceLayer[];

  constructor(
    readonly topology: MlpTopology,
    weights: readonly LayerWeights[],
  ) {
    this.layers = layerShapes(topology).map((s, l) => inferenceLayer(s, weights[l]!));
  }

  /** Row-major n x outputWidth: softmax probabilities or raw outputs. `X` is row-major n x inputWidth. */
  predict(X: Float64Array, n: number): Float64Array {
    const { inputWidth, outputWidth } = this.topology;
    if (X.length !== n * inputWidth) throw new Error(`MLP input has ${X.length} values, expected ${n} x ${inputWidth}`);
    let h = X;
    this.layers.forEach((layer, l) => {
      const hidden = l < this.layers.length - 1;
      h = denseForward(layer, h, n, hidden ? this.topology.activation : null);
    });
    if (this.topology.output === 'softmax') for (let i = 0; i < n; i++) softmaxInPlace(h, i * outputWidth, outputWidth);
    if (this.topology.output === 'gaussian') for (let i = 0; i < n; i++) h[2 * i + 1] = softplus(h[2 * i + 1]!) + GAUSSIAN_MIN_VARIANCE;
    return h;
  }
}

function inferenceLayer(s: LayerShape, w: LayerWeights): InferenceLayer {
  const weightsT = new Float64Array(s.fanIn * s.fanOut);
  for (let i = 0; i < s.fanIn; i++) for (let o = 0; o < s.fanOut; o++) weightsT[o * s.fanIn + i] = w.kernel[i * s.fanOut + o]!;
  let scale: Float64Array | null = null;
  let shift: Float64Array | null = null;
  if (s.batchNorm) {
    scale = new Float64Array(s.fanOut);
    shift = new Float64Array(s.fanOut);
    for (let o = 0; o < s.fanOut; o++) {
      const sc = w.gamma![o]! / Math.sqrt(w.movingVariance![o]! + BATCH_NORM_EPSILON);
      scale[o] = sc;
      shift[o] = w.beta![o]! - sc * w.movingMean![o]!;
    }
  }
  return { fanIn: s.fanIn, fanOut: s.fanOut, weightsT, bias: Float64Array.from(w.bias), scale, shift };
}

function denseForward(layer: InferenceLayer, h: Float64Array, n: number, activation: Activation | null): Float64Array {
  const { fanIn, fanOut, weightsT, bias, scale, shift } = layer;
  const out = new Float64Array(n * fanOut);
  const index = new Int32Array(fanIn);
  const value = new Float64Array(fanIn);
  for (let i = 0; i < n; i++) {
    const row = i * fanIn;
    let m = 0;
    for (let j = 0; j < fanIn; j++) {
      const x = h[row + j]!;
      if (x !== 0) {
        index[m] = j;
        value[m++] = x;
      }
    }
    const o0 = i * fanOut;
    let o = 0;
    // Four units at a time: four independent sums keep the CPU busy; each still adds its terms in input order.
    for (; o + 4 <= fanOut; o += 4) {
      const w0 = o * fanIn, w1 = w0 + fanIn, w2 = w1 + fanIn, w3 = w2 + fanIn;
      let z0 = bias[o]!, z1 = bias[o + 1]!, z2 = bias[o + 2]!, z3 = bias[o + 3]!;
      for (let q = 0; q < m; q++) {
        const j = index[q]!;
        const x = value[q]!;
        z0 += x * weightsT[w0 + j]!;
        z1 += x * weightsT[w1 + j]!;
        z2 += x * weightsT[w2 + j]!;
        z3 += x * weightsT[w3 + j]!;
      }
      out[o0 + o] = z0;
      out[o0 + o + 1] = z1;
      out[o0 + o + 2] = z2;
      out[o0 + o + 3] = z3;
    }
    for (; o < fanOut; o++) {
      const w = o * fanIn;
      let z = bias[o]!;
      for (let q = 0; q < m; q++) z += value[q]! * weightsT[w + index[q]!]!;
      out[o0 + o] = z;
    }
    if (scale !== null) for (let u = 0; u < fanOut; u++) out[o0 + u] = scale[u]! * out[o0 + u]! + shift![u]!;
    if (activation !== null) for (let u = 0; u < fanOut; u++) out[o0 + u] = activateValue(out[o0 + u]!, activation);
  }
  return out;
}

/** activation(z) in float64 (the JavaScript inference of every neural member). */
export function activateValue(z: number, activation: Activation): number {
  switch (activation) {
    case 'relu':
      return z > 0 ? z : 0;
    case 'tanh':
      return tanh(z);
    case 'elu':
      return z > 0 ? z : expm1(z);
  }
}

/** log(1 + e^z), without overflow. (Math.log1p: a Gaussian-head member may differ in the last bit between engines.) */
export function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(exp(-z)) : Math.log1p(exp(z));
}

/** Softmax of a[offset .. offset + k) in place (the portable one, so Node and browsers agree to the bit). */
export function softmaxRow(a: Float64Array, offset: number, k: number): void {
  softmaxInPlace(a, offset, k);
}

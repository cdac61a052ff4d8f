import type { Rng } from '../../util/random.js';
import { ParameterLayout, type ParameterBlock } from './layout.js';
import { activateValue, softmaxRow, type Activation } from './network.js';

/**
 * TabM (Gorishniy, Kotelnikov, Babenko, ICLR 2025): one MLP that is an ensemble of `members` (k) sub-networks
 * sharing their weights, BatchEnsemble-style. Hidden layer l of member i:
 *   z = ((h ∘ r_i) W) ∘ s_i + b_i,   h' = activation(z)   (then dropout in training)
 * with W shared and the adapters r_i, s_i, b_i per member. Each member has its own linear output head; the
 * prediction is the mean of the members' predictions (probabilities for classification). With adapters
 * 'first' (TabM-mini) only the first layer's r_i is per member and the hidden layers are plain shared dense
 * layers with a shared bias.
 *
 * Initialization as in the paper: the first r_i with random signs (±1), every other r_i and s_i at 1, biases
 * at 0, W He-uniform (relu, elu) or Glorot-uniform (tanh), each head Glorot-uniform of its own: the members
 * start different only through the first adapter and their heads.
 *
 * This module is plain data and JavaScript inference (no TensorFlow.js): the weights are one flat float32
 * vector in `tabmLayout` order, evaluated in float64 here whatever backend trained them.
 */
export interface TabmTopology {
  readonly inputWidth: number;
  readonly hidden: readonly number[];
  readonly outputWidth: number;
  readonly activation: Activation;
  readonly members: number;
  readonly adapters: 'all' | 'first';
  readonly output: 'softmax' | 'identity';
}

export const TABM_ADAPTERS = ['all', 'first'] as const;

/** Whether hidden layer l has per-member adapters r (input scale) and s, b (output scale, bias). */
export function layerAdapters(topology: TabmTopology, l: number): { r: boolean; sb: boolean } {
  return { r: topology.adapters === 'all' || l === 0, sb: topology.adapters === 'all' };
}

/**
 * Blocks per hidden layer l: [l.r (k x fanIn)], l.kernel (fanIn x fanOut), [l.s (k x fanOut)], l.bias
 * (k x fanOut with per-member adapters, else fanOut); then head.kernel (k x width x outputs), head.bias (k x outputs).
 */
export function tabmLayout(topology: TabmTopology): ParameterLayout {
  const k = topology.members;
  const blocks: ParameterBlock[] = [];
  let fanIn = topology.inputWidth;
  topology.hidden.forEach((fanOut, l) => {
    const { r, sb } = layerAdapters(topology, l);
    if (r) blocks.push({ name: `${l}.r`, shape: [k, fanIn], decay: false });
    blocks.push({ name: `${l}.kernel`, shape: [fanIn, fanOut], decay: true });
    if (sb) blocks.push({ name: `${l}.s`, shape: [k, fanOut], decay: false });
    blocks.push({ name: `${l}.bias`, shape: sb ? [k, fanOut] : [fanOut], decay: false });
    fanIn = fanOut;
  });
  blocks.push({ name: 'head.kernel', shape: [k, fanIn, topology.outputWidth], decay: true });
  blocks.push({ name: 'head.bias', shape: [k, topology.outputWidth], decay: false });
  return new ParameterLayout(blocks);
}

export function tabmInitialParameters(topology: TabmTopology, rng: Rng): Float32Array {
  const layout = tabmLayout(topology);
  const flat = new Float32Array(layout.size);
  const uniform = (a: Float32Array, limit: number) => {
    for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-limit, limit);
  };
  let fanIn = topology.inputWidth;
  topology.hidden.forEach((fanOut, l) => {
    const { r, sb } = layerAdapters(topology, l);
    if (r) {
      const adapter = layout.view(flat, `${l}.r`);
      if (l === 0) for (let i = 0; i < adapter.length; i++) adapter[i] = rng.nextUint32() & 1 ? 1 : -1;
      else adapter.fill(1);
    }
    uniform(layout.view(flat, `${l}.kernel`), topology.activation === 'tanh' ? Math.sqrt(6 / (fanIn + fanOut)) : Math.sqrt(6 / fanIn));
    if (sb) layout.view(flat, `${l}.s`).fill(1);
    fanIn = fanOut;
  });
  uniform(layout.view(flat, 'head.kernel'), Math.sqrt(6 / (fanIn + topology.outputWidth)));
  return flat;
}

/** Row-major n x outputWidth predictions: the mean over members of softmax probabilities or raw outputs. */
export class TabmPredictor {
  private readonly layers: PredictorLayer[];
  private readonly head: { kernel: Float32Array; bias: Float32Array; width: number };

  constructor(
    readonly topology: TabmTopology,
    weights: Float32Array,
  ) {
    const layout = tabmLayout(topology);
    const k = topology.members;
    let fanIn = topology.inputWidth;
    this.layers = topology.hidden.map((fanOut, l) => {
      const { r, sb } = layerAdapters(topology, l);
      const kernel = layout.view(weights, `${l}.kernel`);
      const kernelT = new Float64Array(fanIn * fanOut);
      for (let i = 0; i < fanIn; i++) for (let o = 0; o < fanOut; o++) kernelT[o * fanIn + i] = kernel[i * fanOut + o]!;
      const bias = layout.view(weights, `${l}.bias`);
      const layer: PredictorLayer = {
        fanIn,
        fanOut,
        kernelT,
        r: r ? Float64Array.from(layout.view(weights, `${l}.r`)) : new Float64Array(k * fanIn).fill(1),
        s: sb ? Float64Array.from(layout.view(weights, `${l}.s`)) : new Float64Array(k * fanOut).fill(1),
        bias: sb ? Float64Array.from(bias) : Float64Array.from({ length: k * fanOut }, (_, j) => bias[j % fanOut]!),
      };
      fanIn = fanOut;
      return layer;
    });
    this.head = { kernel: layout.view(weights, 'head.kernel').slice(), bias: layout.view(weights, 'head.bias').slice(), width: fanIn };
  }

  predict(X: Float64Array, n: number): Float64Array {
    const { inputWidth, outputWidth: c, members: k, activation } = this.topology;
    if (X.length !== n * inputWidth) throw new Error(`TabM input has ${X.length} values, expected ${n} x ${inputWidth}`);
    const out = new Float64Array(n * c);
    const logits = new Float64Array(c);
    for (let m = 0; m < k; m++) {
      let h = X;
      for (const layer of this.layers) h = memberLayer(layer, m, h, n, activation);
      const w = this.head.width;
      for (let i = 0; i < n; i++) {
        for (let o = 0; o < c; o++) {
          let z = this.head.bias[m * c + o]!;
          for (let j = 0; j < w; j++) z += h[i * w + j]! * this.head.kernel[(m * w + j) * c + o]!;
          logits[o] = z;
        }
        if (this.topology.output === 'softmax') softmaxRow(logits, 0, c);
        for (let o = 0; o < c; o++) out[i * c + o] += logits[o]! / k;
      }
    }
    return out;
  }
}

interface PredictorLayer {
  readonly fanIn: number;
  readonly fanOut: number;
  /** Shared kernel transposed (fanOut x fanIn) for contiguous dot products. */
  readonly kernelT: Float64Array;
  /** Per member: input scale (k x fanIn), output scale and bias (k x fanOut); ones / shared where absent. */
  readonly r: Float64Array;
  readonly s: Float64Array;
  readonly bias: Float64Array;
}

function memberLayer(layer: PredictorLayer, m: number, h: Float64Array, n: number, activation: Activation): Float64Array {
  const { fanIn, fanOut, kernelT, r, s, bias } = layer;
  const out = new Float64Array(n * fanOut);
  const scaled = new Float64Array(fanIn);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < fanIn; j++) scaled[j] = h[i * fanIn + j]! * r[m * fanIn + j]!;
    for (let o = 0; o < fanOut; o++) {
      let z = 0;
      const row = o * fanIn;
      for (let j = 0; j < fanIn; j++) z += scaled[j]! * kernelT[row + j]!;
      z = z * s[m * fanOut + o]! + bias[m * fanOut + o]!;
      out[i * fanOut + o] = activateValue(z, activation);
    }
  }
  return out;
}

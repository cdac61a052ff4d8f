import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../util/random.js';
import { ParameterLayout, type ParameterBlock } from './layout.js';
import {
  BATCH_NORM_EPSILON,
  initialWeights,
  layerShapes,
  packWeights,
  type LayerShape,
  type LayerWeights,
  type MlpTopology,
} from './network.js';
import { activate, activationGradient, dropoutMask, Kernels } from './ops.js';
import type { ForwardPass, StepContext, TrainableNetwork } from './trainable.js';

/** Momentum of the batch-norm running statistics. */
const BN_MOMENTUM = 0.9;

/**
 * The MLP of ./network.ts as a TrainableNetwork: per layer z = h W + b (batch norm on hidden layers when the
 * topology asks), activation, inverted dropout. Trainable blocks per layer: kernel, bias, and gamma, beta with
 * batch norm; the running mean and variance are state. `exportWeights` gives ./network.ts's packed format.
 */
export class MlpNetwork implements TrainableNetwork {
  readonly layout: ParameterLayout;
  readonly members = 1;
  readonly outputWidth: number;
  readonly minBatchRows: number;
  private readonly shapes: LayerShape[];
  private readonly kernels = new Kernels();
  /** Per hidden layer with batch norm: running mean and variance (null elsewhere). */
  private running: ({ mean: tf.Tensor1D; variance: tf.Tensor1D } | null)[];

  constructor(
    readonly topology: MlpTopology,
    private readonly dropout: number,
  ) {
    this.shapes = layerShapes(topology);
    this.outputWidth = topology.outputWidth;
    this.minBatchRows = topology.batchNorm ? 2 : 1;
    const blocks: ParameterBlock[] = [];
    this.shapes.forEach((s, l) => {
      blocks.push({ name: `${l}.kernel`, shape: [s.fanIn, s.fanOut], decay: true }, { name: `${l}.bias`, shape: [s.fanOut], decay: false });
      if (s.batchNorm) blocks.push({ name: `${l}.gamma`, shape: [s.fanOut], decay: false }, { name: `${l}.beta`, shape: [s.fanOut], decay: false });
    });
    this.layout = new ParameterLayout(blocks);
    this.running = this.shapes.map((s) => (s.batchNorm ? { mean: tf.zeros([s.fanOut]), variance: tf.ones([s.fanOut]) } : null));
  }

  initialParameters(rng: Rng): Float32Array {
    const flat = new Float32Array(this.layout.size);
    initialWeights(this.topology, rng).forEach((w, l) => {
      this.layout.view(flat, `${l}.kernel`).set(w.kernel);
      this.layout.view(flat, `${l}.bias`).set(w.bias);
      if (this.shapes[l]!.batchNorm) {
        this.layout.view(flat, `${l}.gamma`).set(w.gamma!);
        this.layout.view(flat, `${l}.beta`).set(w.beta!);
      }
    });
    return flat;
  }

  trainForward(blocks: readonly tf.Tensor[], x: tf.Tensor2D, ctx: StepContext): ForwardPass {
    const layers = this.layers(blocks);
    const tape: LayerTape[] = [];
    let h = x;
    const last = layers.length - 1;
    layers.forEach((layer, l) => {
      const input = h;
      if (l === last) {
        h = this.kernels.dense(input, layer.kernel, layer.bias, null);
        tape.push({ input, output: h, mask: null, norm: null });
        return;
      }
      let norm: NormTape | null = null;
      if (layer.gamma !== undefined) {
        const z = this.kernels.dense(input, layer.kernel, layer.bias, null);
        const { mean, variance } = tf.moments(z, 0);
        const invStd = tf.rsqrt(tf.add(variance, BATCH_NORM_EPSILON)) as tf.Tensor1D;
        const normalized = tf.mul(tf.sub(z, mean), invStd) as tf.Tensor2D;
        h = activate(tf.add(tf.mul(normalized, layer.gamma), layer.beta!) as tf.Tensor2D, this.topology.activation);
        norm = { normalized, invStd, gamma: layer.gamma };
        this.updateRunning(l, mean as tf.Tensor1D, variance as tf.Tensor1D);
      } else {
        h = this.kernels.dense(input, layer.kernel, layer.bias, this.topology.activation);
      }
      const activated = h;
      let mask: tf.Tensor2D | null = null;
      if (this.dropout > 0) {
        mask = dropoutMask(h.shape, this.dropout, ctx.seed, ctx.step, l);
        h = tf.mul(h, mask);
      }
      tape.push({ input, output: activated, mask, norm });
    });
    return { out: h, backward: (dOut) => this.backward(layers, tape, dOut) };
  }

  inferForward(blocks: readonly tf.Tensor[], x: tf.Tensor2D): tf.Tensor2D {
    const layers = this.layers(blocks);
    let h = x;
    layers.forEach((layer, l) => {
      if (l === layers.length - 1) {
        h = this.kernels.dense(h, layer.kernel, layer.bias, null);
      } else if (layer.gamma !== undefined) {
        const running = this.running[l]!;
        const z = this.kernels.dense(h, layer.kernel, layer.bias, null);
        const bn = tf.batchNorm(z, running.mean, running.variance, layer.beta!, layer.gamma, BATCH_NORM_EPSILON) as tf.Tensor2D;
        h = activate(bn, this.topology.activation);
      } else {
        h = this.kernels.dense(h, layer.kernel, layer.bias, this.topology.activation);
      }
    });
    return h;
  }

  cloneState(): tf.Tensor[] {
    return this.running.flatMap((r) => (r === null ? [] : [tf.clone(r.mean), tf.clone(r.variance)]));
  }

  /** The packed weights of ./network.ts from trained parameters and a state read back from `cloneState`. */
  exportWeights(flat: Float32Array, state: readonly Float32Array[]): Float32Array {
    let s = 0;
    const layers: LayerWeights[] = this.shapes.map((shape, l) => {
      const kernel = this.layout.view(flat, `${l}.kernel`).slice();
      const bias = this.layout.view(flat, `${l}.bias`).slice();
      if (!shape.batchNorm) return { kernel, bias };
      return {
        kernel,
        bias,
        gamma: this.layout.view(flat, `${l}.gamma`).slice(),
        beta: this.layout.view(flat, `${l}.beta`).slice(),
        movingMean: state[s++]!,
        movingVariance: state[s++]!,
      };
    });
    return packWeights(this.topology, layers);
  }

  dispose(): void {
    for (const r of this.running) if (r !== null) tf.dispose([r.mean, r.variance]);
    this.running = this.running.map(() => null);
  }

  private layers(blocks: readonly tf.Tensor[]): DenseBlocks[] {
    let i = 0;
    return this.shapes.map((s) => {
      const kernel = blocks[i++] as tf.Tensor2D;
      const bias = blocks[i++] as tf.Tensor1D;
      if (!s.batchNorm) return { kernel, bias };
      return { kernel, bias, gamma: blocks[i++] as tf.Tensor1D, beta: blocks[i++] as tf.Tensor1D };
    });
  }

  private updateRunning(l: number, mean: tf.Tensor1D, variance: tf.Tensor1D): void {
    const old = this.running[l]!;
    const blend = (a: tf.Tensor1D, b: tf.Tensor1D) => tf.keep(tf.add(tf.mul(a, BN_MOMENTUM), tf.mul(b, 1 - BN_MOMENTUM)) as tf.Tensor1D);
    this.running[l] = { mean: blend(old.mean, mean), variance: blend(old.variance, variance) };
    tf.dispose([old.mean, old.variance]);
  }

  /** Gradients in layout order: per layer kernel, bias (and gamma, beta). */
  private backward(layers: DenseBlocks[], tape: LayerTape[], dOut: tf.Tensor2D): tf.Tensor[] {
    const grads: tf.Tensor[][] = new Array<tf.Tensor[]>(layers.length);
    let dh = dOut;
    for (let l = layers.length - 1; l >= 0; l--) {
      const { input, output, mask, norm } = tape[l]!;
      const layer = layers[l]!;
      let dz = dh;
      const layerGrads: tf.Tensor[] = [];
      if (l < layers.length - 1) {
        if (mask !== null) dz = tf.mul(dz, mask);
        dz = activationGradient(dz, output, this.topology.activation);
        if (norm !== null) {
          // y = gamma x̂ + beta, x̂ = (z - mean) invStd over the batch:
          // dz = gamma invStd / b (b dy - Σ dy - x̂ Σ dy x̂).
          const dBeta = tf.sum(dz, 0);
          const dGamma = tf.sum(tf.mul(dz, norm.normalized), 0);
          const b = dz.shape[0];
          const centred = tf.sub(tf.sub(tf.mul(dz, b), dBeta), tf.mul(norm.normalized, dGamma));
          dz = tf.mul(centred, tf.div(tf.mul(norm.gamma, norm.invStd), b)) as tf.Tensor2D;
          layerGrads.push(dGamma, dBeta);
        }
      }
      const dKernel = this.kernels.matMulAT(input, dz);
      const dBias = tf.sum(dz, 0);
      grads[l] = [dKernel, dBias, ...layerGrads];
      if (l > 0) dh = this.kernels.matMulBT(dz, layer.kernel);
    }
    return grads.flat();
  }
}

interface DenseBlocks {
  readonly kernel: tf.Tensor2D;
  readonly bias: tf.Tensor1D;
  readonly gamma?: tf.Tensor1D;
  readonly beta?: tf.Tensor1D;
}

interface NormTape {
  readonly normalized: tf.Tensor2D;
  readonly invStd: tf.Tensor1D;
  readonly gamma: tf.Tensor1D;
}

interface LayerTape {
  readonly input: tf.Tensor2D;
  /** Activation output before dropout (hidden layers); raw output (last layer). */
  readonly output: tf.Tensor2D;
  readonly mask: tf.Tensor2D | null;
  readonly norm: NormTape | null;
}

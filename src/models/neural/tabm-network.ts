import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../util/random.js';
import type { ParameterLayout } from './layout.js';
import { activate, activationGradient, dropoutMask, Kernels } from './ops.js';
import { layerAdapters, tabmInitialParameters, tabmLayout, type TabmTopology } from './tabm.js';
import type { ForwardPass, StepContext, TrainableNetwork } from './trainable.js';

/**
 * TabM (./tabm.ts) as a TrainableNetwork. The k members' activations are one [k * b, width] matrix, member-major,
 * so each shared layer is one large product (the fast kernel on every backend) and the adapters are broadcast
 * products over a [k, b, width] view. The heads are one batched product [k, b, w] x [k, w, outputs]. Every
 * member sees the same batch; the loss is the mean of the members' losses (the trainer's job).
 */
export class TabmNetwork implements TrainableNetwork {
  readonly layout: ParameterLayout;
  readonly members: number;
  readonly outputWidth: number;
  readonly minBatchRows = 1;
  private readonly kernels = new Kernels();

  constructor(
    readonly topology: TabmTopology,
    private readonly dropout: number,
  ) {
    this.layout = tabmLayout(topology);
    this.members = topology.members;
    this.outputWidth = topology.outputWidth;
  }

  initialParameters(rng: Rng): Float32Array {
    return tabmInitialParameters(this.topology, rng);
  }

  trainForward(blocks: readonly tf.Tensor[], x: tf.Tensor2D, ctx: StepContext): ForwardPass {
    const { layers, head } = this.unpack(blocks);
    const b = x.shape[0];
    const tape: LayerTape[] = [];
    let h: tf.Tensor2D = x;
    layers.forEach((layer, l) => {
      const input = h;
      const a = layer.r === null ? input : this.perMember(input, layer.r, b);
      let product: tf.Tensor2D | null = null;
      if (layer.s === null) {
        h = this.kernels.dense(a, layer.kernel, layer.bias as tf.Tensor1D, this.topology.activation);
      } else {
        product = tf.matMul(a, layer.kernel) as tf.Tensor2D;
        h = activate(this.affine(product, layer.s, layer.bias, b), this.topology.activation);
      }
      const activated = h;
      let mask: tf.Tensor2D | null = null;
      if (this.dropout > 0) {
        mask = dropoutMask(h.shape, this.dropout, ctx.seed, ctx.step, l);
        h = tf.mul(h, mask);
      }
      tape.push({ input, scaled: a, product, output: activated, mask });
    });
    const last = h;
    const out = this.heads(last, head, b);
    return { out, backward: (dOut) => this.backward(layers, head, tape, last, dOut, b) };
  }

  inferForward(blocks: readonly tf.Tensor[], x: tf.Tensor2D): tf.Tensor2D {
    const { layers, head } = this.unpack(blocks);
    const b = x.shape[0];
    let h = x;
    for (const layer of layers) {
      const a = layer.r === null ? h : this.perMember(h, layer.r, b);
      h =
        layer.s === null
          ? this.kernels.dense(a, layer.kernel, layer.bias as tf.Tensor1D, this.topology.activation)
          : activate(this.affine(tf.matMul(a, layer.kernel), layer.s, layer.bias, b), this.topology.activation);
    }
    return this.heads(h, head, b);
  }

  cloneState(): tf.Tensor[] {
    return [];
  }

  dispose(): void {}

  /**
   * rows ∘ adapter of their member, [k * b, w]: rows are [k * b, w], or the shared input [b, w] (the first layer,
   * which always has an adapter), broadcast over the members instead of copied.
   */
  private perMember(rows: tf.Tensor2D, adapter: tf.Tensor2D, b: number): tf.Tensor2D {
    const w = rows.shape[1];
    const k = this.members;
    return tf.reshape(tf.mul(tf.reshape(rows, [rows.shape[0] === b ? 1 : k, b, w]), tf.reshape(adapter, [k, 1, w])), [k * b, w]);
  }

  /** rows ∘ s + bias per member. */
  private affine(rows: tf.Tensor2D, s: tf.Tensor2D, bias: tf.Tensor, b: number): tf.Tensor2D {
    const w = rows.shape[1];
    const k = this.members;
    return tf.reshape(tf.add(tf.mul(tf.reshape(rows, [k, b, w]), tf.reshape(s, [k, 1, w])), tf.reshape(bias, [k, 1, w])), [k * b, w]);
  }

  private heads(h: tf.Tensor2D, head: HeadBlocks, b: number): tf.Tensor2D {
    const k = this.members;
    const out = tf.add(tf.matMul(tf.reshape(h, [k, b, h.shape[1]]), head.kernel), tf.reshape(head.bias, [k, 1, this.outputWidth]));
    return tf.reshape(out, [k * b, this.outputWidth]);
  }

  private unpack(blocks: readonly tf.Tensor[]): { layers: LayerBlocks[]; head: HeadBlocks } {
    let i = 0;
    const layers = this.topology.hidden.map((_, l) => {
      const { r, sb } = layerAdapters(this.topology, l);
      return {
        r: r ? (blocks[i++] as tf.Tensor2D) : null,
        kernel: blocks[i++] as tf.Tensor2D,
        s: sb ? (blocks[i++] as tf.Tensor2D) : null,
        bias: blocks[i++]!,
      };
    });
    return { layers, head: { kernel: blocks[i++] as tf.Tensor3D, bias: blocks[i++] as tf.Tensor2D } };
  }

  /** Gradients in layout order: per layer [r], kernel, [s], bias; then the heads' kernel and bias. */
  private backward(layers: LayerBlocks[], head: HeadBlocks, tape: LayerTape[], last: tf.Tensor2D, dOut: tf.Tensor2D, b: number): tf.Tensor[] {
    const k = this.members;
    const w = last.shape[1];
    const dOut3 = tf.reshape(dOut, [k, b, this.outputWidth]);
    const last3 = tf.reshape(last, [k, b, w]);
    const headGrads = [tf.matMul(last3, dOut3, true, false), tf.sum(dOut3, 1)];
    let dh = tf.reshape(tf.matMul(dOut3, head.kernel, false, true), [k * b, w]) as tf.Tensor2D;
    const grads: tf.Tensor[][] = new Array<tf.Tensor[]>(layers.length);
    for (let l = layers.length - 1; l >= 0; l--) {
      const layer = layers[l]!;
      const { input, scaled, product, output, mask } = tape[l]!;
      if (mask !== null) dh = tf.mul(dh, mask);
      const dz = activationGradient(dh, output, this.topology.activation);
      const fanOut = dz.shape[1];
      const layerGrads: tf.Tensor[] = [];
      let dProduct = dz;
      let dS: tf.Tensor | null = null;
      let dBias: tf.Tensor;
      if (layer.s !== null) {
        const dz3 = tf.reshape(dz, [k, b, fanOut]);
        dBias = tf.sum(dz3, 1);
        dS = tf.sum(tf.mul(dz3, tf.reshape(product!, [k, b, fanOut])), 1);
        dProduct = tf.reshape(tf.mul(dz3, tf.reshape(layer.s, [k, 1, fanOut])), [k * b, fanOut]);
      } else {
        dBias = tf.sum(dz, 0);
      }
      const dKernel = this.kernels.matMulAT(scaled, dProduct);
      if (layer.r !== null || l > 0) {
        const dScaled = this.kernels.matMulBT(dProduct, layer.kernel);
        const fanIn = dScaled.shape[1];
        if (layer.r !== null) {
          const dScaled3 = tf.reshape(dScaled, [k, b, fanIn]);
          layerGrads.push(tf.sum(tf.mul(dScaled3, tf.reshape(input, [input.shape[0] === b ? 1 : k, b, fanIn])), 1));
          if (l > 0) dh = this.perMember(dScaled, layer.r, b);
        } else {
          dh = dScaled;
        }
      }
      layerGrads.push(dKernel);
      if (dS !== null) layerGrads.push(dS);
      layerGrads.push(dBias);
      grads[l] = layerGrads;
    }
    return [...grads.flat(), ...headGrads];
  }
}

interface LayerBlocks {
  readonly r: tf.Tensor2D | null;
  readonly kernel: tf.Tensor2D;
  readonly s: tf.Tensor2D | null;
  readonly bias: tf.Tensor;
}

interface HeadBlocks {
  readonly kernel: tf.Tensor3D;
  readonly bias: tf.Tensor2D;
}

interface LayerTape {
  /** The layer's input (before its adapter r): [k * b, fanIn], or the shared [b, fanIn] input of the first layer. */
  readonly input: tf.Tensor2D;
  /** input ∘ r (the product's left operand). */
  readonly scaled: tf.Tensor2D;
  /** scaled W, kept where s multiplies it. */
  readonly product: tf.Tensor2D | null;
  /** Activation output before dropout. */
  readonly output: tf.Tensor2D;
  readonly mask: tf.Tensor2D | null;
}

import * as tf from '@tensorflow/tfjs';
import { deriveSeed, Rng } from '../../util/random.js';
import type { Activation } from './network.js';

/**
 * The few kernels a hand-written forward and backward pass needs, each in the form that is fast on the active
 * backend. Found by profiling a training step on wasm (benchmarks/mlp.ts --profile): its matMul runs on
 * XNNPACK only without transpose flags; `matMul(a, b, true, false)` and `matMul(a, b, false, true)`, which
 * every dense-layer gradient needs, fall to a naive triple loop 10-16x slower (30-42 ms against 2.6 ms for a
 * 512 x 256 by 256 x 256 product). There an explicit transpose (under 1 ms) plus the fast product wins; the
 * other backends take the flags natively.
 */
export class Kernels {
  /** Transpose explicitly before a product instead of passing transpose flags. */
  readonly explicitTranspose: boolean;
  /**
   * Tensors live in host memory (wasm, cpu, tfjs-node): batches are assembled on the host and parameters kept
   * per block (./device-rows.ts, ./parameters.ts). Otherwise (GPU): rows uploaded once, one flat parameter vector.
   */
  readonly hostMemory: boolean;

  constructor(backendName: string = tf.getBackend()) {
    this.explicitTranspose = backendName === 'wasm';
    this.hostMemory = backendName === 'wasm' || backendName === 'cpu' || backendName === 'tensorflow';
  }

  /** aᵀ b. */
  matMulAT(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
    return this.explicitTranspose ? tf.matMul(tf.transpose(a), b) : tf.matMul(a, b, true, false);
  }

  /** a bᵀ. */
  matMulBT(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
    return this.explicitTranspose ? tf.matMul(a, tf.transpose(b)) : tf.matMul(a, b, false, true);
  }

  /** activation(x W + bias): one fused kernel where the activation fuses (relu, elu), two otherwise (tanh). */
  dense(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D | null, activation: Activation | null): tf.Tensor2D {
    const fusable = activation === null || activation === 'relu' || activation === 'elu';
    const z = tf.fused.matMul({
      a: x,
      b: kernel,
      ...(bias === null ? {} : { bias }),
      ...(fusable && activation !== null ? { activation } : {}),
    }) as tf.Tensor2D;
    return fusable ? z : activate(z, activation);
  }
}

export function activate<T extends tf.Tensor>(z: T, activation: Activation): T {
  switch (activation) {
    case 'relu':
      return tf.relu(z);
    case 'tanh':
      return tf.tanh(z);
    case 'elu':
      return tf.elu(z);
  }
}

/** d loss / d z from d loss / d h, where h = activation(z), expressed through the output h alone. */
export function activationGradient<T extends tf.Tensor>(dh: T, h: T, activation: Activation): T {
  switch (activation) {
    case 'relu':
      return tf.mul(dh, tf.step(h));
    case 'tanh':
      return tf.mul(dh, tf.sub(1, tf.square(h)));
    case 'elu':
      // One kernel (every backend registers it): dh for h > 0, dh * (h + 1) below.
      return tf.engine().runKernel('EluGrad', { dy: dh, y: h }) as T;
  }
}

/**
 * Inverted-dropout mask (0 or 1 / (1 - rate)) drawn with our Rng: seeded per step and layer, the same on every
 * backend, and far cheaper than tf.randomUniform's seeded generator.
 */
export function dropoutMask(shape: [number, number], rate: number, seed: number, step: number, layer: number): tf.Tensor2D {
  const rng = new Rng(deriveSeed(seed, 2, step, layer));
  const mask = new Float32Array(shape[0] * shape[1]);
  const kept = 1 / (1 - rate);
  // Compare 32-bit draws with an integer threshold: one draw per unit.
  const threshold = Math.floor(rate * 4294967296);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.nextUint32() >= threshold ? kept : 0;
  return tf.tensor2d(mask, shape);
}

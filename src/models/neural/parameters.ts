import * as tf from '@tensorflow/tfjs';
import type { ParameterLayout } from './layout.js';

/**
 * A network's trainable parameters on the device, updated by Adam, in one of two arrangements
 * (`useFlatParameters` chooses):
 * - flat: one vector; the forward pass sees its blocks through `tf.split` and the optimizer runs a dozen
 *   kernels per step in all. For GPU backends, whose cost is the number of kernels dispatched.
 * - blocks: one tensor per block and the optimizer's kernels per block. For the CPU backends: on wasm,
 *   `tf.split`/`tf.slice` copy their whole input into a fresh JavaScript buffer once per block (about 8 ms a
 *   step for the 160,000 parameters of a 3 x 256 MLP in 8 blocks, 3 ms for a 19,000-parameter TabM in 10),
 *   which costs more than the optimizer kernels it saves.
 * Both compute the same update. L2 weight decay, where asked, is added to the gradient of the blocks the
 * layout marks (`loss += l2 / 2 Σ kernel²`). `step` runs inside the caller's `tf.tidy`.
 */
export interface ParameterStore {
  /** The blocks, shaped, in layout order. */
  blocks(): tf.Tensor[];
  /** One Adam update with learning rate `rate` from the blocks' gradients (layout order, block shapes). */
  step(gradients: readonly tf.Tensor[], rate: number): void;
  /** A device copy of the current parameters (to restore the best epoch's). */
  snapshot(): tf.Tensor[];
  dispose(): void;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-7;

interface Moments {
  param: tf.Tensor;
  m: tf.Tensor;
  v: tf.Tensor;
}

/** Adam on one tensor; `decay` (a scalar or a per-parameter mask times l2) adds weight decay to the gradient. */
function adam(s: Moments, gradient: tf.Tensor, decay: tf.Tensor | number | null, correctedRate: number): Moments {
  const g = decay === null ? gradient : tf.add(gradient, tf.mul(s.param, decay));
  const m = tf.keep(tf.add(tf.mul(s.m, BETA1), tf.mul(g, 1 - BETA1)));
  const v = tf.keep(tf.add(tf.mul(s.v, BETA2), tf.mul(tf.square(g), 1 - BETA2)));
  const param = tf.keep(tf.sub(s.param, tf.mul(tf.div(m, tf.add(tf.sqrt(v), EPSILON)), correctedRate)));
  tf.dispose([s.m, s.v, s.param]);
  return { param, m, v };
}

/** Step size with both bias corrections folded in (the paper's cheaper form: epsilon sits outside them). */
function correctedRate(rate: number, t: number): number {
  return (rate * Math.sqrt(1 - BETA2 ** t)) / (1 - BETA1 ** t);
}

export function createParameterStore(layout: ParameterLayout, initial: Float32Array, l2: number, flat: boolean): ParameterStore {
  return flat ? new FlatStore(layout, initial, l2) : new BlockStore(layout, initial, l2);
}

class FlatStore implements ParameterStore {
  private state: Moments;
  private t = 0;
  private readonly decay: tf.Tensor1D | null;

  constructor(
    private readonly layout: ParameterLayout,
    initial: Float32Array,
    l2: number,
  ) {
    this.state = { param: tf.tensor1d(initial), m: tf.zeros([layout.size]), v: tf.zeros([layout.size]) };
    this.decay = l2 > 0 ? tf.tensor1d(layout.decayMask().map((on) => on * l2)) : null;
  }

  blocks(): tf.Tensor[] {
    const parts = this.layout.blocks.length === 1 ? [this.state.param] : tf.split(this.state.param, this.layout.sizes as number[]);
    return parts.map((p, i) => tf.reshape(p, this.layout.blocks[i]!.shape as number[]));
  }

  step(gradients: readonly tf.Tensor[], rate: number): void {
    const gradient = tf.concat(gradients.map((g) => tf.reshape(g, [-1])));
    this.state = adam(this.state, gradient, this.decay, correctedRate(rate, ++this.t));
  }

  snapshot(): tf.Tensor[] {
    return [tf.clone(this.state.param)];
  }

  dispose(): void {
    tf.dispose([this.state.param, this.state.m, this.state.v, ...(this.decay === null ? [] : [this.decay])]);
  }
}

class BlockStore implements ParameterStore {
  private state: Moments[];
  private t = 0;

  constructor(
    private readonly layout: ParameterLayout,
    initial: Float32Array,
    private readonly l2: number,
  ) {
    this.state = layout.blocks.map((block, i) => ({
      param: tf.tensor(initial.subarray(layout.offsets[i]!, layout.offsets[i]! + layout.sizes[i]!), block.shape as number[]),
      m: tf.zeros(block.shape as number[]),
      v: tf.zeros(block.shape as number[]),
    }));
  }

  blocks(): tf.Tensor[] {
    return this.state.map((s) => s.param);
  }

  step(gradients: readonly tf.Tensor[], rate: number): void {
    const corrected = correctedRate(rate, ++this.t);
    this.state = this.state.map((s, i) => adam(s, gradients[i]!, this.l2 > 0 && this.layout.blocks[i]!.decay ? this.l2 : null, corrected));
  }

  snapshot(): tf.Tensor[] {
    return this.state.map((s) => tf.clone(s.param));
  }

  dispose(): void {
    tf.dispose(this.state.flatMap((s) => [s.param, s.m, s.v]));
  }
}

/** A snapshot read back as one flat vector in layout order. */
export async function readSnapshot(layout: ParameterLayout, snapshot: readonly tf.Tensor[]): Promise<Float32Array> {
  const out = new Float32Array(layout.size);
  let at = 0;
  for (const t of snapshot) {
    const values = (await t.data()) as Float32Array;
    out.set(values, at);
    at += values.length;
  }
  if (at !== layout.size) throw new Error(`parameter snapshot: ${at} values, layout needs ${layout.size}`);
  return out;
}

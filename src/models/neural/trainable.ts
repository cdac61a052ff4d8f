import type * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../util/random.js';
import type { ParameterLayout } from './layout.js';

/**
 * A network the trainer (./train.ts) can fit: its parameters as one flat vector (`layout`), a training forward
 * pass that returns its own backward pass, and an inference pass. Forward and backward are written by hand
 * (no autodiff tape): each layer's gradient is a handful of kernels chosen for the backend (./ops.ts).
 *
 * Contract:
 * - Outputs are raw (logits, values), `members` copies stacked member-major along the rows: [members * b, width].
 *   An ensemble network (TabM) has members > 1; a plain MLP has 1.
 * - `trainForward` and `inferForward` run inside the caller's `tf.tidy`; `backward(dOut)` returns one gradient
 *   per layout block, in layout order, with the block's shape.
 * - Non-trainable state (batch-norm running statistics) is owned by the network: `trainForward` updates it,
 *   `cloneState` copies it (the trainer keeps the best epoch's copy), `dispose` frees it.
 * - Dropout and every other random choice derive from `StepContext.seed` and `step`: same seed, same run.
 * - `trainNetwork` disposes the network when it returns; weights are exported from the parameters it read back.
 */
export interface TrainableNetwork {
  readonly layout: ParameterLayout;
  readonly members: number;
  readonly outputWidth: number;
  /** Smallest batch a step can take (2 with batch norm: one row has no batch variance); smaller ones are skipped. */
  readonly minBatchRows: number;
  initialParameters(rng: Rng): Float32Array;
  trainForward(blocks: readonly tf.Tensor[], x: tf.Tensor2D, step: StepContext): ForwardPass;
  inferForward(blocks: readonly tf.Tensor[], x: tf.Tensor2D): tf.Tensor2D;
  cloneState(): tf.Tensor[];
  dispose(): void;
}

export interface StepContext {
  readonly step: number;
  readonly seed: number;
}

export interface ForwardPass {
  readonly out: tf.Tensor2D;
  backward(dOut: tf.Tensor2D): tf.Tensor[];
}

import * as tf from '@tensorflow/tfjs';
import type { OutputHead } from './heads.js';

/** Host-side training rows of a network: inputs, targets, optional per-row loss weights. */
export interface TrainData {
  /** Row-major n x inputWidth. */
  readonly X: Float32Array;
  readonly n: number;
  /** Classification: class codes 0..outputWidth-1. */
  readonly labels?: Int32Array;
  /** Regression: targets (n x outputs). */
  readonly targets?: Float32Array;
  /** Per-row loss weights (default 1). */
  readonly weights?: Float32Array;
}

export interface Batch {
  readonly x: tf.Tensor2D;
  readonly target: tf.Tensor2D;
  readonly weights: tf.Tensor1D | null;
  readonly size: number;
}

/**
 * A fold's rows (inputs, head targets, weights) as mini-batches. On a GPU backend they are uploaded once and
 * each batch is a gather by row indices (one small upload, one kernel per tensor). On the CPU backends
 * (`onDevice` false) tensors already live in host memory, where the wasm backend's gather and slice cost more
 * than copying the batch's rows in JavaScript (its slice copies its whole input first), so batches are
 * assembled on the host and handed over.
 */
export class DeviceRows {
  readonly n: number;
  private readonly width: number;
  private readonly targetWidth: number;
  private readonly host: { x: Float32Array; target: Float32Array; weights: Float32Array | null };
  private readonly device: { x: tf.Tensor2D; target: tf.Tensor2D; weights: tf.Tensor1D | null } | null;

  constructor(data: TrainData, head: OutputHead, onDevice: boolean) {
    if (data.n === 0 || data.X.length % data.n !== 0) throw new Error(`training data: ${data.X.length} values for ${data.n} rows`);
    this.n = data.n;
    this.width = data.X.length / data.n;
    this.targetWidth = head.targetWidth;
    this.host = { x: data.X, target: head.targets(data), weights: data.weights ?? null };
    this.device = onDevice
      ? {
          x: tf.tensor2d(this.host.x, [this.n, this.width]),
          target: tf.tensor2d(this.host.target, [this.n, this.targetWidth]),
          weights: this.host.weights === null ? null : tf.tensor1d(this.host.weights),
        }
      : null;
  }

  /** The rows at `indices`, in that order (call inside tf.tidy). */
  gather(indices: Int32Array): Batch {
    const size = indices.length;
    if (this.device !== null) {
      const at = tf.tensor1d(indices, 'int32');
      const { x, target, weights } = this.device;
      return { x: tf.gather(x, at), target: tf.gather(target, at), weights: weights === null ? null : tf.gather(weights, at), size };
    }
    const pick = (values: Float32Array, width: number): Float32Array => {
      const out = new Float32Array(size * width);
      for (let r = 0; r < size; r++) out.set(values.subarray(indices[r]! * width, (indices[r]! + 1) * width), r * width);
      return out;
    };
    return this.tensors(pick(this.host.x, this.width), pick(this.host.target, this.targetWidth), this.host.weights && pick(this.host.weights, 1), size);
  }

  /** Rows start..start+size-1 (call inside tf.tidy). */
  range(start: number, size: number): Batch {
    if (this.device !== null) {
      const { x, target, weights } = this.device;
      return {
        x: tf.slice(x, [start, 0], [size, -1]),
        target: tf.slice(target, [start, 0], [size, -1]),
        weights: weights === null ? null : tf.slice(weights, [start], [size]),
        size,
      };
    }
    const rows = (values: Float32Array, width: number) => values.subarray(start * width, (start + size) * width);
    return this.tensors(rows(this.host.x, this.width), rows(this.host.target, this.targetWidth), this.host.weights && rows(this.host.weights, 1), size);
  }

  dispose(): void {
    if (this.device !== null) tf.dispose([this.device.x, this.device.target, ...(this.device.weights === null ? [] : [this.device.weights])]);
  }

  private tensors(x: Float32Array, target: Float32Array, weights: Float32Array | null, size: number): Batch {
    return {
      x: tf.tensor2d(x, [size, this.width]),
      target: tf.tensor2d(target, [size, this.targetWidth]),
      weights: weights === null ? null : tf.tensor1d(weights),
      size,
    };
  }
}

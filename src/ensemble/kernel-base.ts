/** The loss-kernel interface shared by the per-metric kernels (see kernels.ts for the overview). */
import type { Predictions } from '../metrics/types.js';

export interface LossKernel {
  readonly nRows: number;
  /** Accumulator length: allocate `new Float64Array(kernel.accLength)`. */
  readonly accLength: number;
  /** Which implementation runs: the metric name for a fast path, 'generic' otherwise. */
  readonly path: string;
  /** acc += times * member `member`. */
  add(acc: Float64Array, member: number, times: number): void;
  /** Loss of the ensemble acc / total (total > 0). */
  loss(acc: Float64Array, total: number): number;
  /** Loss of (acc + member) / (total + 1), without changing acc. */
  lossWithMember(acc: Float64Array, total: number, member: number): number;
}

/** acc += times * source, element by element (kernels that keep full rows). */
export function addScaled(acc: Float64Array, source: Predictions | Float64Array, times: number): void {
  const len = acc.length;
  if (times === 1) for (let i = 0; i < len; i++) acc[i]! += source[i]!;
  else for (let i = 0; i < len; i++) acc[i]! += times * source[i]!;
}

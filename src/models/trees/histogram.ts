import { BIN_SLOTS, MISSING_BIN } from './binning.js';

/**
 * Gradient histograms: per feature and bin, the sums of gradients, hessians and the row count, interleaved as
 * hist[((f * 256) + bin) * 3 + {0: gradient, 1: hessian, 2: count}] in one Float64Array per node.
 */
export const HIST_CHANNELS = 3;
export const FEATURE_STRIDE = BIN_SLOTS * HIST_CHANNELS;
const MISSING_OFFSET = MISSING_BIN * HIST_CHANNELS;

export function histogramSize(nFeatures: number): number {
  return nFeatures * FEATURE_STRIDE;
}

/**
 * Fill `hist` for the active `features` (value bins below `nBins[f]` and the missing bin; others untouched) from the rows `rows[start..end)` of a ROW-major binned matrix
 * (`rowBins[r * nFeatures + f]`). Row-major order (as XGBoost's hist) lets each row's gradient pair be loaded
 * once and spreads consecutive updates over different features' histograms, which measured ~30% faster in V8
 * than per-feature passes over a column-major matrix.
 */
export function buildHistogram(
  hist: Float64Array,
  rowBins: Uint8Array,
  nFeatures: number,
  features: Int32Array,
  nActive: number,
  rows: Int32Array | null,
  start: number,
  end: number,
  g: Float64Array,
  h: Float64Array,
  nBins: Int32Array,
): void {
  for (let a = 0; a < nActive; a++) {
    const f = features[a]!;
    const base = f * FEATURE_STRIDE;
    hist.fill(0, base, base + nBins[f]! * HIST_CHANNELS);
    hist.fill(0, base + MISSING_OFFSET, base + FEATURE_STRIDE);
  }
  if (nActive === nFeatures) {
    // Four features per step: independent read-modify-write chains overlap (~20% faster than one at a time).
    const d4 = nFeatures - (nFeatures & 3);
    for (let i = start; i < end; i++) {
      const r = rows === null ? i : rows[i]!;
      const gi = g[r]!;
      const hi = h[r]!;
      const off = r * nFeatures;
      let f = 0;
      for (; f < d4; f += 4) {
        const o0 = (((f << 8) | rowBins[off + f]!) * 3) | 0;
        const o1 = ((((f + 1) << 8) | rowBins[off + f + 1]!) * 3) | 0;
        const o2 = ((((f + 2) << 8) | rowBins[off + f + 2]!) * 3) | 0;
        const o3 = ((((f + 3) << 8) | rowBins[off + f + 3]!) * 3) | 0;
        hist[o0] += gi;
        hist[o1] += gi;
        hist[o2] += gi;
        hist[o3] += gi;
        hist[o0 + 1] += hi;
        hist[o1 + 1] += hi;
        hist[o2 + 1] += hi;
        hist[o3 + 1] += hi;
        hist[o0 + 2] += 1;
        hist[o1 + 2] += 1;
        hist[o2 + 2] += 1;
        hist[o3 + 2] += 1;
      }
      for (; f < nFeatures; f++) {
        const o = (((f << 8) | rowBins[off + f]!) * 3) | 0;
        hist[o] += gi;
        hist[o + 1] += hi;
        hist[o + 2] += 1;
      }
    }
    return;
  }
  for (let i = start; i < end; i++) {
    const r = rows === null ? i : rows[i]!;
    const gi = g[r]!;
    const hi = h[r]!;
    const off = r * nFeatures;
    for (let a = 0; a < nActive; a++) {
      const f = features[a]!;
      const o = (((f << 8) | rowBins[off + f]!) * 3) | 0;
      hist[o] += gi;
      hist[o + 1] += hi;
      hist[o + 2] += 1;
    }
  }
}

/**
 * parent <- parent - child for the active features (the sibling's histogram: the subtraction trick).
 * Only the used value bins and the missing bin are touched (the others stay zero), which matters for features
 * with few distinct values.
 */
export function subtractHistogram(
  parent: Float64Array,
  child: Float64Array,
  features: Int32Array,
  nActive: number,
  nBins: Int32Array,
): void {
  for (let a = 0; a < nActive; a++) {
    const f = features[a]!;
    const base = f * FEATURE_STRIDE;
    const end = base + nBins[f]! * HIST_CHANNELS;
    for (let i = base; i < end; i++) parent[i] -= child[i]!;
    const m = base + MISSING_OFFSET;
    parent[m] -= child[m]!;
    parent[m + 1] -= child[m + 1]!;
    parent[m + 2] -= child[m + 2]!;
  }
}

/** A pool of histogram buffers reused across nodes and trees (no allocation in the boosting loop). */
export class HistogramPool {
  private readonly free: Float64Array[] = [];
  private readonly size: number;
  constructor(nFeatures: number) {
    this.size = histogramSize(nFeatures);
  }
  acquire(): Float64Array {
    return this.free.pop() ?? new Float64Array(this.size);
  }
  release(h: Float64Array): void {
    this.free.push(h);
  }
}

import type { TreeMatrix } from '../../preprocess/types.js';
import { Rng } from '../../util/random.js';

/** Bin index reserved for missing values (NaN); value bins are 0..nBins-1 <= 254. */
export const MISSING_BIN = 255;
/** Histogram stride per feature: every feature gets 256 slots (value bins plus the missing bin). */
export const BIN_SLOTS = 256;
/** Rows sampled to find quantile edges (as scikit-learn's HistGradientBoosting does). */
const EDGE_SAMPLE_ROWS = 200_000;

/**
 * Per-feature bin edges learned from training rows.
 * - Numeric: `edges[f]` are ascending upper edges; value x goes to the first bin b with x <= edges[b], or to the
 *   last bin when above every edge. With at most `maxBins` distinct values the edges are midpoints between
 *   them (exact splits); otherwise they are quantiles of (a sample of) the values.
 * - Categorical: the code itself is the bin, capped at `maxBins - 1` (codes beyond share the last bin).
 * - NaN goes to MISSING_BIN.
 */
export interface BinMapper {
  readonly nFeatures: number;
  readonly isCategorical: readonly boolean[];
  readonly edges: readonly Float64Array[];
  /** Number of value bins per feature (excluding the missing bin). */
  readonly nBins: Int32Array;
}

export function fitBinMapper(X: TreeMatrix, maxBins = 255, seed = 0): BinMapper {
  if (!(maxBins >= 2 && maxBins <= 255)) throw new RangeError(`maxBins must be in [2, 255], got ${maxBins}`);
  const d = X.columns.length;
  const edges: Float64Array[] = [];
  const nBins = new Int32Array(d);
  const sampleRows = X.nRows > EDGE_SAMPLE_ROWS ? new Rng(seed).permutation(X.nRows).subarray(0, EDGE_SAMPLE_ROWS) : null;
  for (let f = 0; f < d; f++) {
    const col = X.columns[f]!;
    if (X.isCategorical[f]) {
      let maxCode = -1;
      for (let i = 0; i < col.length; i++) if (col[i]! > maxCode) maxCode = col[i]!;
      const card = Math.max(X.cardinalities[f] ?? 0, maxCode + 1, 1);
      nBins[f] = Math.min(card, maxBins);
      edges.push(new Float64Array(0));
      continue;
    }
    const e = numericEdges(col, sampleRows, maxBins);
    edges.push(e);
    nBins[f] = e.length + 1;
  }
  return { nFeatures: d, isCategorical: [...X.isCategorical], edges, nBins };
}

function numericEdges(col: Float64Array, sampleRows: Int32Array | null, maxBins: number): Float64Array {
  const m = sampleRows === null ? col.length : sampleRows.length;
  const vals = new Float64Array(m);
  let k = 0;
  for (let i = 0; i < m; i++) {
    const v = sampleRows === null ? col[i]! : col[sampleRows[i]!]!;
    if (v === v) vals[k++] = v;
  }
  const sorted = vals.subarray(0, k).sort();
  const distinct: number[] = [];
  for (let i = 0; i < k && distinct.length <= maxBins; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]!);
  }
  if (distinct.length <= maxBins) {
    const e = new Float64Array(Math.max(distinct.length - 1, 0));
    for (let i = 0; i < e.length; i++) e[i] = distinct[i]! + (distinct[i + 1]! - distinct[i]!) / 2;
    return e;
  }
  const out: number[] = [];
  for (let q = 1; q < maxBins; q++) {
    const pos = (q / maxBins) * (k - 1);
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    const v = sorted[lo]! + (sorted[hi]! - sorted[lo]!) / 2;
    // An edge at the maximum would leave the top bin empty; equal edges collapse.
    if (v < sorted[k - 1]! && (out.length === 0 || v > out[out.length - 1]!)) out.push(v);
  }
  return Float64Array.from(out);
}

/** Bin index of one raw value for feature f. */
export function binValue(mapper: BinMapper, f: number, x: number): number {
  if (x !== x) return MISSING_BIN;
  if (mapper.isCategorical[f]) {
    const last = mapper.nBins[f]! - 1;
    return x >= last ? last : x <= 0 ? 0 : x | 0;
  }
  const e = mapper.edges[f]!;
  let lo = 0;
  let hi = e.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x <= e[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Bin a matrix: column-major Uint8Array, feature f's bins at [f * nRows, (f + 1) * nRows). */
export function binMatrix(mapper: BinMapper, X: TreeMatrix): Uint8Array {
  const n = X.nRows;
  const d = mapper.nFeatures;
  if (X.columns.length !== d) throw new RangeError(`expected ${d} feature columns, got ${X.columns.length}`);
  const out = new Uint8Array(n * d);
  for (let f = 0; f < d; f++) {
    const col = X.columns[f]!;
    const off = f * n;
    if (mapper.isCategorical[f]) {
      for (let i = 0; i < n; i++) out[off + i] = binValue(mapper, f, col[i]!);
      continue;
    }
    // Inlined binary search over this feature's edges (the same rule as binValue).
    const e = mapper.edges[f]!;
    const m = e.length;
    for (let i = 0; i < n; i++) {
      const x = col[i]!;
      if (x !== x) {
        out[off + i] = MISSING_BIN;
        continue;
      }
      let lo = 0;
      let hi = m;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (x <= e[mid]!) hi = mid;
        else lo = mid + 1;
      }
      out[off + i] = lo;
    }
  }
  return out;
}

/**
 * Raw-value threshold equivalent to "bin <= b goes left" for a numeric-style split: x <= threshold.
 * Infinity when b is the last value bin (only missing values go right).
 */
export function rawThreshold(mapper: BinMapper, f: number, b: number): number {
  if (mapper.isCategorical[f]) return b < mapper.nBins[f]! - 1 ? b + 0.5 : Infinity;
  const e = mapper.edges[f]!;
  return b < e.length ? e[b]! : Infinity;
}

import { MISSING_BIN, type BinMapper } from './binning.js';
import { FEATURE_STRIDE } from './histogram.js';

/** Regularisation and constraints of gradient-boosting splits (XGBoost / LightGBM semantics). */
export interface SplitParams {
  /** L2 penalty on leaf values (lambda). */
  readonly lambda: number;
  /** Minimum hessian sum in each child. */
  readonly minChildWeight: number;
  /** Minimum rows in each child. */
  readonly minSamplesLeaf: number;
  /** Minimum gain to split. */
  readonly minSplitGain: number;
  /** Smoothing added to the hessian when ordering categories by gradient ratio (LightGBM's cat_smooth). */
  readonly catSmooth: number;
}

/** The best split of a node found so far (mutable, reused). */
export class SplitInfo {
  gain = -Infinity;
  feature = -1;
  /** Numeric: bins <= bin go left. */
  bin = 0;
  missingLeft = false;
  isCategorical = false;
  /** Categorical: bins whose bit is set go left. */
  readonly catBits = new Uint32Array(8);
  leftG = 0;
  leftH = 0;
  leftC = 0;

  reset(): void {
    this.gain = -Infinity;
    this.feature = -1;
  }
}

/** Scratch buffers for categorical ordering. */
export class SplitScratch {
  readonly cats = new Int32Array(256);
  readonly ratio = new Float64Array(256);
}

/** Leaf objective term G^2 / (H + lambda); gain of a split = left + right - parent. */
export function leafScore(g: number, h: number, lambda: number): number {
  return (g * g) / (h + lambda);
}

/**
 * Best split over the active features of a node histogram, written to `out` (out.feature = -1 when none beats
 * minSplitGain). Missing values (the missing bin) try both directions; with none in the node they follow the
 * larger child. Categorical features order their categories by G / (H + catSmooth) and split that order
 * (LightGBM's sorted-gradient method, exact for squared error).
 */
export function findBestSplit(
  hist: Float64Array,
  features: Int32Array,
  nActive: number,
  mapper: BinMapper,
  sumG: number,
  sumH: number,
  count: number,
  p: SplitParams,
  out: SplitInfo,
  scratch: SplitScratch,
): void {
  out.reset();
  const lambda = p.lambda;
  const parent = leafScore(sumG, sumH, lambda);
  let bestGain = p.minSplitGain > 0 ? p.minSplitGain : 1e-12;
  for (let a = 0; a < nActive; a++) {
    const f = features[a]!;
    const base = f * FEATURE_STRIDE;
    if (mapper.isCategorical[f]) {
      const g = categoricalSplit(hist, base, mapper.nBins[f]!, f, sumG, sumH, count, parent, bestGain, p, out, scratch);
      if (g > bestGain) bestGain = g;
      continue;
    }
    const mo = base + MISSING_BIN * 3;
    const missG = hist[mo]!;
    const missH = hist[mo + 1]!;
    const missC = hist[mo + 2]!;
    const nb = mapper.nBins[f]!;
    let gl = 0;
    let hl = 0;
    let cl = 0;
    for (let b = 0; b < nb; b++) {
      const o = base + b * 3;
      const c = hist[o + 2]!;
      if (c === 0) continue;
      gl += hist[o]!;
      hl += hist[o + 1]!;
      cl += c;
      // Missing values to the right.
      let cr = count - cl;
      let hr = sumH - hl;
      if (cl >= p.minSamplesLeaf && cr >= p.minSamplesLeaf && hl >= p.minChildWeight && hr >= p.minChildWeight) {
        const gain = (gl * gl) / (hl + lambda) + ((sumG - gl) * (sumG - gl)) / (hr + lambda) - parent;
        if (gain > bestGain) {
          bestGain = gain;
          record(out, gain, f, b, missC > 0 ? false : cl >= cr, gl, hl, cl);
        }
      }
      if (missC > 0) {
        const gl2 = gl + missG;
        const hl2 = hl + missH;
        const cl2 = cl + missC;
        cr = count - cl2;
        hr = sumH - hl2;
        if (cl2 >= p.minSamplesLeaf && cr >= p.minSamplesLeaf && hl2 >= p.minChildWeight && hr >= p.minChildWeight) {
          const gain = (gl2 * gl2) / (hl2 + lambda) + ((sumG - gl2) * (sumG - gl2)) / (hr + lambda) - parent;
          if (gain > bestGain) {
            bestGain = gain;
            record(out, gain, f, b, true, gl2, hl2, cl2);
          }
        }
      }
    }
  }
}

function record(out: SplitInfo, gain: number, f: number, b: number, missingLeft: boolean, g: number, h: number, c: number): void {
  out.gain = gain;
  out.feature = f;
  out.bin = b;
  out.missingLeft = missingLeft;
  out.isCategorical = false;
  out.leftG = g;
  out.leftH = h;
  out.leftC = c;
}

function categoricalSplit(
  hist: Float64Array,
  base: number,
  nb: number,
  f: number,
  sumG: number,
  sumH: number,
  count: number,
  parent: number,
  bestGain: number,
  p: SplitParams,
  out: SplitInfo,
  s: SplitScratch,
): number {
  let m = 0;
  for (let b = 0; b < nb; b++) if (hist[base + b * 3 + 2]! > 0) s.cats[m++] = b;
  if (hist[base + MISSING_BIN * 3 + 2]! > 0) s.cats[m++] = MISSING_BIN;
  if (m < 2) return -Infinity;
  for (let i = 0; i < m; i++) {
    const o = base + s.cats[i]! * 3;
    s.ratio[i] = hist[o]! / (hist[o + 1]! + p.catSmooth);
  }
  // Insertion sort of categories by ratio (at most 256 entries; ties keep bin order for determinism).
  for (let i = 1; i < m; i++) {
    const c = s.cats[i]!;
    const r = s.ratio[i]!;
    let j = i - 1;
    while (j >= 0 && s.ratio[j]! > r) {
      s.cats[j + 1] = s.cats[j]!;
      s.ratio[j + 1] = s.ratio[j]!;
      j--;
    }
    s.cats[j + 1] = c;
    s.ratio[j + 1] = r;
  }
  let gl = 0;
  let hl = 0;
  let cl = 0;
  let bestPrefix = -1;
  let bg = bestGain;
  let bgl = 0;
  let bhl = 0;
  let bcl = 0;
  for (let i = 0; i < m - 1; i++) {
    const o = base + s.cats[i]! * 3;
    gl += hist[o]!;
    hl += hist[o + 1]!;
    cl += hist[o + 2]!;
    const cr = count - cl;
    const hr = sumH - hl;
    if (cl < p.minSamplesLeaf || cr < p.minSamplesLeaf || hl < p.minChildWeight || hr < p.minChildWeight) continue;
    const gain = (gl * gl) / (hl + p.lambda) + ((sumG - gl) * (sumG - gl)) / (hr + p.lambda) - parent;
    if (gain > bg) {
      bg = gain;
      bestPrefix = i;
      bgl = gl;
      bhl = hl;
      bcl = cl;
    }
  }
  if (bestPrefix < 0) return -Infinity;
  out.gain = bg;
  out.feature = f;
  out.bin = nb - 1;
  out.isCategorical = true;
  out.leftG = bgl;
  out.leftH = bhl;
  out.leftC = bcl;
  out.catBits.fill(0);
  let missingIn = false;
  for (let i = 0; i <= bestPrefix; i++) {
    const b = s.cats[i]!;
    if (b === MISSING_BIN) missingIn = true;
    out.catBits[b >>> 5]! |= 1 << (b & 31);
  }
  const missingSeen = hist[base + MISSING_BIN * 3 + 2]! > 0;
  out.missingLeft = missingSeen ? missingIn : bcl >= count - bcl;
  if (out.missingLeft) out.catBits[MISSING_BIN >>> 5]! |= 1 << (MISSING_BIN & 31);
  return bg;
}

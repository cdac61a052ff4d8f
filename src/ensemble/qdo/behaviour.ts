/**
 * The QDO-ES behaviour space (Purucker et al., AutoML-Conf 2023): two diversity descriptors of an ensemble,
 * both averaged over the pairs of its distinct members (1 for a single member, "no diversity"):
 * (a) the absolute Pearson correlation of the members' per-row losses: 1 - p(true class) for classification,
 *     the absolute residual |prediction - y| for regression (a constant loss vector counts as correlation 0);
 * (b) the Gower similarity of the members' configurations: per shared key, a categorical (string / boolean)
 *     value counts distance 0 if equal and 1 otherwise, a numeric one |a - b| / (range of that key over the
 *     pool); the family is one more categorical key; similarity = 1 - mean distance.
 * Both are precomputed as pool x pool matrices once, so a solution's behaviour costs O(members²).
 */
import type { Labels, Predictions } from '../../metrics/types.js';
import type { Config } from '../../models/types.js';

/** Pool x pool matrix of absolute Pearson correlations of the members' per-row losses. */
export function lossCorrelationMatrix(members: readonly Predictions[], y: Labels, k: number): Float64Array {
  const m = members.length;
  const n = y.length;
  const centred: Float64Array[] = [];
  const norms = new Float64Array(m);
  for (let a = 0; a < m; a++) {
    const p = members[a]!;
    const loss = new Float64Array(n);
    let mean = 0;
    for (let i = 0; i < n; i++) {
      const v = k === 1 ? Math.abs(p[i]! - y[i]!) : 1 - p[i * k + y[i]!]!;
      loss[i] = v;
      mean += v;
    }
    mean /= n;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      loss[i]! -= mean;
      ss += loss[i]! * loss[i]!;
    }
    centred.push(loss);
    norms[a] = Math.sqrt(ss);
  }
  const out = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    out[a * m + a] = 1;
    for (let b = a + 1; b < m; b++) {
      let dot = 0;
      const la = centred[a]!;
      const lb = centred[b]!;
      for (let i = 0; i < n; i++) dot += la[i]! * lb[i]!;
      const denominator = norms[a]! * norms[b]!;
      const r = denominator > 0 ? Math.min(1, Math.abs(dot / denominator)) : 0;
      out[a * m + b] = r;
      out[b * m + a] = r;
    }
  }
  return out;
}

/** Pool x pool matrix of Gower similarities of the members' configurations (family included as a key). */
export function configSimilarityMatrix(configs: readonly Config[], families: readonly string[]): Float64Array {
  const m = configs.length;
  const entries = configs.map((c, a) => ({ ...c, __family: families[a]! }) as Record<string, number | string | boolean>);
  const ranges = new Map<string, number>();
  const bounds = new Map<string, [number, number]>();
  for (const e of entries) {
    for (const [key, v] of Object.entries(e)) {
      if (typeof v !== 'number') continue;
      const b = bounds.get(key) ?? [Infinity, -Infinity];
      bounds.set(key, [Math.min(b[0], v), Math.max(b[1], v)]);
    }
  }
  for (const [key, [lo, hi]] of bounds) ranges.set(key, hi - lo);
  const out = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    out[a * m + a] = 1;
    for (let b = a + 1; b < m; b++) {
      const s = pairSimilarity(entries[a]!, entries[b]!, ranges);
      out[a * m + b] = s;
      out[b * m + a] = s;
    }
  }
  return out;
}

function pairSimilarity(
  x: Record<string, number | string | boolean>,
  z: Record<string, number | string | boolean>,
  ranges: ReadonlyMap<string, number>,
): number {
  let distance = 0;
  let shared = 0;
  for (const key of Object.keys(x)) {
    if (!Object.hasOwn(z, key)) continue;
    const u = x[key]!;
    const v = z[key]!;
    shared++;
    if (u === v) continue;
    if (typeof u === 'number' && typeof v === 'number') {
      const range = ranges.get(key)!;
      distance += range > 0 && Number.isFinite(range) ? Math.min(1, Math.abs(u - v) / range) : 1;
    } else {
      distance += 1;
    }
  }
  return shared === 0 ? 0 : 1 - distance / shared;
}

/** Mean over the pairs of distinct members (count > 0) of a symmetric pool x pool matrix; 1 for one member. */
export function meanPairwise(matrix: Float64Array, m: number, members: readonly number[]): number {
  if (members.length < 2) return 1;
  let sum = 0;
  let pairs = 0;
  for (let a = 0; a < members.length; a++) {
    const row = members[a]! * m;
    for (let b = a + 1; b < members.length; b++) {
      sum += matrix[row + members[b]!]!;
      pairs++;
    }
  }
  return sum / pairs;
}

import type { Rng } from '../../util/random.js';

/**
 * Split row indices 0..n-1 into a training and a validation part (validation = round(fraction * n)),
 * stratified by class when `classes` is given. Both parts come back in ascending order.
 */
export function trainValidationSplit(
  n: number,
  fraction: number,
  rng: Rng,
  classes?: Int32Array,
): { train: Int32Array; valid: Int32Array } {
  const isValid = new Uint8Array(n);
  if (classes === undefined) {
    const perm = rng.permutation(n);
    const nv = Math.round(fraction * n);
    for (let i = 0; i < nv; i++) isValid[perm[i]!] = 1;
  } else {
    let k = 0;
    for (let i = 0; i < n; i++) if (classes[i]! + 1 > k) k = classes[i]! + 1;
    const byClass: number[][] = Array.from({ length: k }, () => []);
    for (let i = 0; i < n; i++) byClass[classes[i]!]!.push(i);
    for (const members of byClass) {
      const idx = Int32Array.from(members);
      rng.shuffle(idx);
      const nv = Math.round(fraction * idx.length);
      for (let i = 0; i < nv; i++) isValid[idx[i]!] = 1;
    }
  }
  let nv = 0;
  for (let i = 0; i < n; i++) nv += isValid[i]!;
  const train = new Int32Array(n - nv);
  const valid = new Int32Array(nv);
  let a = 0;
  let b = 0;
  for (let i = 0; i < n; i++) {
    if (isValid[i]) valid[b++] = i;
    else train[a++] = i;
  }
  return { train, valid };
}

/** Write `m` distinct indices drawn from 0..n-1 into out[0..m), ascending. `perm` is scratch of length n. */
export function sampleWithoutReplacement(n: number, m: number, rng: Rng, perm: Int32Array, out: Int32Array): void {
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(n - i);
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  out.set(perm.subarray(0, m));
  out.subarray(0, m).sort();
}

/** Take rows of a column-major binned matrix. */
export function takeBinnedRows(bins: Uint8Array, nRows: number, nFeatures: number, rows: Int32Array): Uint8Array {
  const m = rows.length;
  const out = new Uint8Array(m * nFeatures);
  for (let f = 0; f < nFeatures; f++) {
    const src = f * nRows;
    const dst = f * m;
    for (let i = 0; i < m; i++) out[dst + i] = bins[src + rows[i]!]!;
  }
  return out;
}

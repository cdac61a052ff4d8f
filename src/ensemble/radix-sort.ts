/**
 * In-place ascending sort of a Float64Array by LSD radix sort on the IEEE-754 bits (8-bit digits, passes whose
 * digit is the same for every key are skipped). Used by the ROC AUC kernel, which sorts ~n values per candidate:
 * several times faster than the built-in TypedArray sort there. NaN is not expected (inputs are checked).
 */
export class RadixSorter {
  private keys: Uint32Array;
  private scratch: Uint32Array;
  private readonly counts = new Uint32Array(8 * 256);

  constructor(capacity: number) {
    this.keys = new Uint32Array(2 * capacity);
    this.scratch = new Uint32Array(2 * capacity);
  }

  sort(values: Float64Array): void {
    const n = values.length;
    if (n < 64) {
      values.sort();
      return;
    }
    if (this.keys.length < 2 * n) {
      this.keys = new Uint32Array(2 * n);
      this.scratch = new Uint32Array(2 * n);
    }
    const bits = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
    let src = this.keys;
    let dst = this.scratch;
    const counts = this.counts;
    counts.fill(0);
    // Order-preserving map of doubles to unsigned 64-bit keys (lo, hi words, little-endian).
    for (let i = 0; i < n; i++) {
      let lo = bits[2 * i]!;
      let hi = bits[2 * i + 1]!;
      if (hi & 0x80000000) {
        hi = ~hi >>> 0;
        lo = ~lo >>> 0;
      } else {
        hi = (hi | 0x80000000) >>> 0;
      }
      src[2 * i] = lo;
      src[2 * i + 1] = hi;
      counts[lo & 255]!++;
      counts[256 + ((lo >>> 8) & 255)]!++;
      counts[512 + ((lo >>> 16) & 255)]!++;
      counts[768 + (lo >>> 24)]!++;
      counts[1024 + (hi & 255)]!++;
      counts[1280 + ((hi >>> 8) & 255)]!++;
      counts[1536 + ((hi >>> 16) & 255)]!++;
      counts[1792 + (hi >>> 24)]!++;
    }
    for (let pass = 0; pass < 8; pass++) {
      const base = pass * 256;
      // Skip a pass whose digit is constant: it would not reorder anything.
      let constant = false;
      for (let d = 0; d < 256; d++) {
        const c = counts[base + d]!;
        if (c === n) constant = true;
        if (c !== 0) break;
      }
      if (constant) continue;
      let sum = 0;
      for (let d = 0; d < 256; d++) {
        const c = counts[base + d]!;
        counts[base + d] = sum;
        sum += c;
      }
      const word = pass < 4 ? 0 : 1;
      const shift = (pass & 3) * 8;
      for (let i = 0; i < n; i++) {
        const digit = (src[2 * i + word]! >>> shift) & 255;
        const at = counts[base + digit]!++;
        dst[2 * at] = src[2 * i]!;
        dst[2 * at + 1] = src[2 * i + 1]!;
      }
      const t = src;
      src = dst;
      dst = t;
    }
    for (let i = 0; i < n; i++) {
      let lo = src[2 * i]!;
      let hi = src[2 * i + 1]!;
      if (hi & 0x80000000) {
        hi = (hi & 0x7fffffff) >>> 0;
      } else {
        hi = ~hi >>> 0;
        lo = ~lo >>> 0;
      }
      bits[2 * i] = lo;
      bits[2 * i + 1] = hi;
    }
  }
}

/**
 * exp, expm1 and tanh that give the same bits on every JavaScript engine.
 *
 * `Math.exp` and friends are not required to be correctly rounded, and engines differ: V8 in Node.js 20 and in
 * Chromium 156 disagree in the last bit for about one `Math.exp` argument in ten (measured), so a model would
 * predict different numbers in a browser than in Node. These are the fdlibm algorithms (the ones V8 long used, so
 * they equal Node 20's Math functions, checked in test/util/portable-math.test.ts) written with IEEE arithmetic
 * only (+, -, *, / and exponent bits), which every engine computes identically. Prediction code uses them
 * wherever a member or combiner needs exp (sigmoid, softmax) or an MLP activation.
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
/** Index of the high (sign and exponent) word in `u32`: 1 on little-endian hosts. */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

function highWord(x: number): number {
  f64[0] = x;
  return u32[HI]! | 0;
}

/** The double with the given high word and a zero low word (powers of two, 1 - 2^-k, ...). */
function fromHighWord(hi: number): number {
  u32[HI] = hi >>> 0;
  u32[LO] = 0;
  return f64[0]!;
}

const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;
const INV_LN2 = 1.44269504088896338700;
const HUGE = 1.0e300;
const TINY = 1.0e-300;
const TWO_M1000 = 9.33263618503218878990e-302; // 2^-1000
const O_THRESHOLD = 7.09782712893383973096e2;
const U_THRESHOLD = -7.45133219101941108420e2;
const P1 = 1.66666666666666019037e-1;
const P2 = -2.77777777770155933842e-3;
const P3 = 6.61375632143793436117e-5;
const P4 = -1.65339022054652515390e-6;
const P5 = 4.13813679705723846039e-8;

/** The two parts of x - k ln2 from the last reduceLn2 call (kept outside to avoid an allocation per call). */
let reducedHi = 0;
let reducedLo = 0;

/**
 * For |x| > 0.5 ln2 (`absHigh`: x's high word without the sign): k = round(x / ln2), and x - k ln2 as reducedHi -
 * reducedLo (ln2 split in two parts so that k ln2 is exact), as fdlibm's exp and expm1 both reduce.
 */
function reduceLn2(x: number, negative: boolean, absHigh: number): number {
  if (absHigh < 0x3ff0a2b2) {
    reducedHi = negative ? x + LN2_HI : x - LN2_HI;
    reducedLo = negative ? -LN2_LO : LN2_LO;
    return negative ? -1 : 1;
  }
  const k = Math.trunc(INV_LN2 * x + (negative ? -0.5 : 0.5));
  reducedHi = x - k * LN2_HI;
  reducedLo = k * LN2_LO;
  return k;
}

/** e^x (fdlibm e_exp.c). */
export function exp(x: number): number {
  if (x !== x) return x;
  if (x > O_THRESHOLD) return Infinity;
  if (x < U_THRESHOLD) return 0;
  const hx = highWord(x);
  const negative = hx < 0;
  const ahx = hx & 0x7fffffff;
  let hi = 0;
  let lo = 0;
  let k = 0;
  if (ahx > 0x3fd62e42) {
    // |x| > 0.5 ln2: reduce to x = k ln2 + r
    k = reduceLn2(x, negative, ahx);
    hi = reducedHi;
    lo = reducedLo;
    x = hi - lo;
  } else if (ahx < 0x3e300000) {
    if (HUGE + x > 1) return 1 + x; // |x| < 2^-28
  }
  const t = x * x;
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k === 0) return 1 - ((x * c) / (c - 2) - x);
  const y = 1 - (lo - (x * c) / (2 - c) - hi);
  if (k >= -1021) {
    if (k === 1024) return y * 2 * fromHighWord(0x7fe00000);
    return y * fromHighWord((0x3ff + k) << 20);
  }
  return y * fromHighWord((0x3ff + k + 1000) << 20) * TWO_M1000;
}

const Q1 = -3.33333333333331316428e-2;
const Q2 = 1.58730158725481460165e-3;
const Q3 = -7.93650757867487942473e-5;
const Q4 = 4.00821782732936239552e-6;
const Q5 = -2.01099218183624371326e-7;

/** e^x - 1, accurate near 0 (fdlibm s_expm1.c). */
export function expm1(x: number): number {
  const hxFull = highWord(x);
  const negative = hxFull < 0;
  const hx = hxFull & 0x7fffffff;
  if (hx >= 0x4043687a) {
    // |x| >= 56 ln2
    if (hx >= 0x40862e42) {
      if (hx >= 0x7ff00000) return x !== x ? x + x : negative ? -1 : x;
      if (x > O_THRESHOLD) return Infinity;
    }
    if (negative && x + TINY < 0) return TINY - 1;
  }
  let k: number;
  let c = 0;
  if (hx > 0x3fd62e42) {
    k = reduceLn2(x, negative, hx);
    x = reducedHi - reducedLo;
    c = reducedHi - x - reducedLo;
  } else if (hx < 0x3c900000) {
    return x; // |x| < 2^-54
  } else {
    k = 0;
  }
  const hfx = 0.5 * x;
  const hxs = x * hfx;
  const r1 = 1 + hxs * (Q1 + hxs * (Q2 + hxs * (Q3 + hxs * (Q4 + hxs * Q5))));
  const t = 3 - r1 * hfx;
  let e = hxs * ((r1 - t) / (6 - x * t));
  if (k === 0) return x - (x * e - hxs);
  const twopk = fromHighWord((0x3ff + k) << 20);
  e = x * (e - c) - c;
  e -= hxs;
  if (k === -1) return 0.5 * (x - e) - 0.5;
  if (k === 1) return x < -0.25 ? -2 * (e - (x + 0.5)) : 1 + 2 * (x - e);
  if (k <= -2 || k > 56) {
    const y = 1 - (e - x);
    return (k === 1024 ? y * 2 * fromHighWord(0x7fe00000) : y * twopk) - 1;
  }
  if (k < 20) return (fromHighWord(0x3ff00000 - (0x200000 >> k)) - (e - x)) * twopk;
  return (x - (e + fromHighWord((0x3ff - k) << 20)) + 1) * twopk;
}

/** Hyperbolic tangent (fdlibm s_tanh.c). */
export function tanh(x: number): number {
  const jx = highWord(x);
  const ix = jx & 0x7fffffff;
  if (ix >= 0x7ff00000) return jx >= 0 ? 1 / x + 1 : 1 / x - 1;
  let z: number;
  if (ix < 0x40360000) {
    // |x| < 22
    if (ix < 0x3e300000) return x; // |x| < 2^-28
    if (ix >= 0x3ff00000) {
      const t = expm1(2 * Math.abs(x));
      z = 1 - 2 / (t + 2);
    } else {
      const t = expm1(-2 * Math.abs(x));
      z = -t / (t + 2);
    }
  } else {
    z = 1 - TINY; // |x| >= 22: +-1
  }
  return jx >= 0 ? z : -z;
}

/** Softmax of out[offset .. offset + q) in place, shifted by the maximum (every softmax of the predictors). */
export function softmaxInPlace(out: Float64Array, offset: number, q: number): void {
  let max = -Infinity;
  for (let a = 0; a < q; a++) if (out[offset + a]! > max) max = out[offset + a]!;
  let s = 0;
  for (let a = 0; a < q; a++) {
    const e = exp(out[offset + a]! - max);
    out[offset + a] = e;
    s += e;
  }
  for (let a = 0; a < q; a++) out[offset + a] /= s;
}

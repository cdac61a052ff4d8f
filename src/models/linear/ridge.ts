import { CholeskyDecomposition, Matrix, solve } from 'ml-matrix';
import type { LinearCoefficients } from './predict.js';

export { predictLinear, type LinearCoefficients } from './predict.js';

export interface RidgeOptions {
  /** Non-negative weight per row (length n). Default: all 1. */
  readonly sampleWeight?: Float64Array;
  /** Fit an (unpenalized) intercept. Default true; false forces it to 0. */
  readonly fitIntercept?: boolean;
}

/**
 * Ridge regression in closed form: minimizes Σᵢ wᵢ‖yᵢ − xᵢ·coef − intercept‖² + lambda‖coef‖²
 * (scikit-learn's `Ridge(alpha=lambda)`), the intercept not penalized (rows are centred first).
 *
 * `X` is row-major n x d, `Y` row-major n x m (m targets solved at once). Solves the d x d normal equations
 * (X'WX + lambda I) coef = X'WY by Cholesky when d <= n, else the n x n dual system, with a least-squares
 * fallback (SVD) when the system is singular (lambda = 0 with collinear columns).
 */
export function fitRidge(
  X: Float64Array,
  n: number,
  d: number,
  Y: Float64Array,
  m: number,
  lambda: number,
  opts: RidgeOptions = {},
): LinearCoefficients {
  checkShapes(X, n, d, Y, m, lambda, opts.sampleWeight);
  const w = opts.sampleWeight;
  const fitIntercept = opts.fitIntercept ?? true;
  const xMean = new Float64Array(d);
  const yMean = new Float64Array(m);
  if (fitIntercept) weightedColumnMeans(X, n, d, Y, m, w, xMean, yMean);
  const Xc = centred(X, n, d, xMean);
  const Yc = centred(Y, n, m, yMean);
  const coef = d <= n ? solvePrimal(Xc, n, d, Yc, m, lambda, w) : solveDual(Xc, n, d, Yc, m, lambda, w);
  const intercept = new Float64Array(m);
  for (let t = 0; t < m; t++) {
    let s = yMean[t]!;
    for (let j = 0; j < d; j++) s -= xMean[j]! * coef[j * m + t]!;
    intercept[t] = s;
  }
  return { coef, intercept };
}

function checkShapes(
  X: Float64Array,
  n: number,
  d: number,
  Y: Float64Array,
  m: number,
  lambda: number,
  w: Float64Array | undefined,
): void {
  if (!(n >= 1) || !(d >= 0) || !(m >= 1)) throw new RangeError(`fitRidge: bad shape n=${n} d=${d} m=${m}`);
  if (X.length !== n * d) throw new RangeError(`fitRidge: X has ${X.length} values, expected ${n} x ${d}`);
  if (Y.length !== n * m) throw new RangeError(`fitRidge: Y has ${Y.length} values, expected ${n} x ${m}`);
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new RangeError(`fitRidge: lambda must be >= 0, got ${lambda}`);
  if (w !== undefined && w.length !== n) throw new RangeError(`fitRidge: sampleWeight has ${w.length} values, expected ${n}`);
}

function weightedColumnMeans(
  X: Float64Array,
  n: number,
  d: number,
  Y: Float64Array,
  m: number,
  w: Float64Array | undefined,
  xMean: Float64Array,
  yMean: Float64Array,
): void {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const wi = w === undefined ? 1 : w[i]!;
    total += wi;
    for (let j = 0; j < d; j++) xMean[j] += wi * X[i * d + j]!;
    for (let t = 0; t < m; t++) yMean[t] += wi * Y[i * m + t]!;
  }
  if (!(total > 0)) throw new RangeError('fitRidge: sample weights sum to zero');
  for (let j = 0; j < d; j++) xMean[j] /= total;
  for (let t = 0; t < m; t++) yMean[t] /= total;
}

function centred(A: Float64Array, n: number, width: number, mean: Float64Array): Float64Array {
  const out = new Float64Array(n * width);
  for (let i = 0; i < n; i++) for (let j = 0; j < width; j++) out[i * width + j] = A[i * width + j]! - mean[j]!;
  return out;
}

/** coef = (X'WX + lambda I)^-1 X'WY, the Gram matrix accumulated on typed arrays (upper triangle, mirrored). */
function solvePrimal(
  X: Float64Array,
  n: number,
  d: number,
  Y: Float64Array,
  m: number,
  lambda: number,
  w: Float64Array | undefined,
): Float64Array {
  const gram = new Float64Array(d * d);
  const xty = new Float64Array(d * m);
  for (let i = 0; i < n; i++) {
    const wi = w === undefined ? 1 : w[i]!;
    if (wi === 0) continue;
    const r = i * d;
    for (let a = 0; a < d; a++) {
      const xa = wi * X[r + a]!;
      if (xa === 0) continue;
      const g = a * d;
      for (let b = a; b < d; b++) gram[g + b] += xa * X[r + b]!;
      for (let t = 0; t < m; t++) xty[a * m + t] += xa * Y[i * m + t]!;
    }
  }
  for (let a = 0; a < d; a++) {
    gram[a * d + a] += lambda;
    for (let b = 0; b < a; b++) gram[a * d + b] = gram[b * d + a]!;
  }
  return solveSymmetric(gram, d, xty, m);
}

/** Dual form for d > n: coef = X'W^½ (W^½XX'W^½ + lambda I)^-1 W^½Y. */
function solveDual(
  X: Float64Array,
  n: number,
  d: number,
  Y: Float64Array,
  m: number,
  lambda: number,
  w: Float64Array | undefined,
): Float64Array {
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) s[i] = Math.sqrt(w === undefined ? 1 : w[i]!);
  const kernel = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = i; k < n; k++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += X[i * d + j]! * X[k * d + j]!;
      dot *= s[i]! * s[k]!;
      kernel[i * n + k] = dot;
      kernel[k * n + i] = dot;
    }
    kernel[i * n + i] += lambda;
  }
  const sy = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let t = 0; t < m; t++) sy[i * m + t] = s[i]! * Y[i * m + t]!;
  const alpha = solveSymmetric(kernel, n, sy, m);
  const coef = new Float64Array(d * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const x = s[i]! * X[i * d + j]!;
      for (let t = 0; t < m; t++) coef[j * m + t] += x * alpha[i * m + t]!;
    }
  }
  return coef;
}

/** Solve A Z = B for symmetric positive semi-definite A (size x size) and B (size x m), both row-major. */
function solveSymmetric(A: Float64Array, size: number, B: Float64Array, m: number): Float64Array {
  if (size === 0) return new Float64Array(0);
  const a = Matrix.from1DArray(size, size, A);
  const b = Matrix.from1DArray(size, m, B);
  const cholesky = new CholeskyDecomposition(a);
  const z = cholesky.isPositiveDefinite() ? cholesky.solve(b) : solve(a, b, true);
  return Float64Array.from(z.to1DArray());
}

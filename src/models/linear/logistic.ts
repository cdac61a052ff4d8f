import { minimizeLbfgs } from './lbfgs.js';
import { softmaxInPlace, type LinearCoefficients } from './predict.js';

export { predictLogistic, softmaxInPlace } from './predict.js';

export interface LogisticOptions {
  /**
   * L2 penalty on the coefficients (not the intercept): the objective is
   * Σᵢ wᵢ·(−log pᵢ[yᵢ]) + (l2 / 2)·‖coef‖², i.e. scikit-learn's LogisticRegression with C = 1 / l2.
   */
  readonly l2: number;
  /** L-BFGS iteration cap. Default 500. */
  readonly maxIter?: number;
  /** Stop when the projected gradient of the objective divided by Σwᵢ is below this (max-abs). Default 1e-6. */
  readonly tol?: number;
  /** Constrain every coefficient to be >= 0 (intercepts stay free). Default false. */
  readonly nonNegative?: boolean;
  /** Non-negative weight per row (length n). Default: all 1. */
  readonly sampleWeight?: Float64Array;
  /**
   * Start from this model (same d and k, e.g. the fit at a neighbouring l2) instead of the class priors: along a
   * regularization path this saves iterations. The optimum does not depend on it.
   */
  readonly warmStart?: LinearCoefficients;
  /** ms since epoch after which L-BFGS starts no new iteration (the model so far is returned). Default none. */
  readonly deadline?: number;
}

/**
 * Logit given to a class with no (positive-weight) training rows: finite so the model stays JSON-safe, and
 * low enough that its softmax probability underflows to exactly 0 for any realistic input.
 */
export const ABSENT_CLASS_INTERCEPT = -1e4;

/**
 * L2-regularized logistic regression by L-BFGS (projected for `nonNegative`).
 *
 * `X` row-major n x d, `y` class codes in 0..k-1. Returns coef (row-major d x k) and intercept (k) such that
 * p(c | x) = softmax(x·coef[:, c] + intercept[c]) (see `predictLogistic`).
 * - k = 2: the binary model (one weight vector, as scikit-learn) stored as column 1, column 0 all zero.
 * - k > 2: the multinomial (softmax) model over all classes.
 * - Classes with no training weight get coef 0 and intercept `ABSENT_CLASS_INTERCEPT` (probability 0), and
 *   the model is fitted over the present ones; a single present class gets probability 1.
 * Features are used as given: standardize them first for a well-conditioned problem.
 */
export function fitLogistic(
  X: Float64Array,
  n: number,
  d: number,
  y: Int32Array,
  k: number,
  options: LogisticOptions,
): LinearCoefficients {
  checkInputs(X, n, d, y, k, options);
  const weights = options.sampleWeight ?? new Float64Array(n).fill(1);
  const classWeight = new Float64Array(k);
  for (let i = 0; i < n; i++) classWeight[y[i]!] += weights[i]!;
  const present: number[] = [];
  for (let c = 0; c < k; c++) if (classWeight[c]! > 0) present.push(c);
  if (present.length === 0) throw new RangeError('fitLogistic: sample weights sum to zero');
  const coef = new Float64Array(d * k);
  const intercept = new Float64Array(k).fill(ABSENT_CLASS_INTERCEPT);
  if (present.length === 1) {
    intercept[present[0]!] = 0;
    return { coef, intercept };
  }
  const problem: Problem = { X, n, d, y, w: weights, l2: options.l2, totalWeight: sum(weights) };
  if (k === 2) {
    const params = fitBinary(problem, classWeight, options);
    for (let j = 0; j < d; j++) coef[j * 2 + 1] = params[j]!;
    intercept[0] = 0;
    intercept[1] = params[d]!;
    return { coef, intercept };
  }
  const params = fitMultinomial(problem, present, k, classWeight, options);
  const q = present.length;
  for (let a = 0; a < q; a++) {
    const c = present[a]!;
    for (let j = 0; j < d; j++) coef[j * k + c] = params[j * q + a]!;
    intercept[c] = params[d * q + a]!;
  }
  return { coef, intercept };
}

interface Problem {
  readonly X: Float64Array;
  readonly n: number;
  readonly d: number;
  readonly y: Int32Array;
  readonly w: Float64Array;
  readonly l2: number;
  readonly totalWeight: number;
}

/** Params [w (d), b]; objective scaled by 1/Σw so the tolerance does not depend on n. */
function fitBinary(problem: Problem, classWeight: Float64Array, options: LogisticOptions): Float64Array {
  const { X, n, d, y, w, l2, totalWeight } = problem;
  const z = new Float64Array(n);
  const objective = (params: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    const b = params[d]!;
    let loss = 0;
    for (let i = 0; i < n; i++) {
      let zi = b;
      const r = i * d;
      for (let j = 0; j < d; j++) zi += X[r + j]! * params[j]!;
      z[i] = zi;
      const target = y[i] === 1 ? 1 : 0;
      // log(1 + e^z) - target·z, computed without overflow.
      loss += w[i]! * (softplus(zi) - target * zi);
      const residual = w[i]! * (sigmoid(zi) - target);
      for (let j = 0; j < d; j++) grad[j] += residual * X[r + j]!;
      grad[d] += residual;
    }
    let penalty = 0;
    for (let j = 0; j < d; j++) {
      penalty += params[j]! * params[j]!;
      grad[j] += l2 * params[j]!;
    }
    for (let j = 0; j <= d; j++) grad[j] /= totalWeight;
    return (loss + 0.5 * l2 * penalty) / totalWeight;
  };
  const x0 = new Float64Array(d + 1);
  const warm = options.warmStart;
  if (warm !== undefined && fittedClass(warm, 0) && fittedClass(warm, 1)) {
    for (let j = 0; j < d; j++) x0[j] = warm.coef[j * 2 + 1]! - warm.coef[j * 2]!;
    x0[d] = warm.intercept[1]! - warm.intercept[0]!;
  } else x0[d] = Math.log(classWeight[1]! / classWeight[0]!);
  return optimize(objective, x0, d, options);
}

/** Params [W (d x q row-major), b (q)] over the q present classes. */
function fitMultinomial(
  problem: Problem,
  present: readonly number[],
  k: number,
  classWeight: Float64Array,
  options: LogisticOptions,
): Float64Array {
  const { X, n, d, y, w, l2, totalWeight } = problem;
  const q = present.length;
  const index = new Int32Array(k).fill(-1);
  present.forEach((c, a) => (index[c] = a));
  const z = new Float64Array(q);
  const objective = (params: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const wi = w[i]!;
      if (wi === 0) continue;
      const r = i * d;
      for (let a = 0; a < q; a++) z[a] = params[d * q + a]!;
      for (let j = 0; j < d; j++) {
        const x = X[r + j]!;
        if (x === 0) continue;
        const row = j * q;
        for (let a = 0; a < q; a++) z[a] += x * params[row + a]!;
      }
      const label = index[y[i]!]!;
      loss += wi * (logSumExp(z, q) - z[label]!);
      softmaxInPlace(z, 0, q);
      z[label] -= 1;
      for (let j = 0; j < d; j++) {
        const x = wi * X[r + j]!;
        if (x === 0) continue;
        const row = j * q;
        for (let a = 0; a < q; a++) grad[row + a] += x * z[a]!;
      }
      for (let a = 0; a < q; a++) grad[d * q + a] += wi * z[a]!;
    }
    let penalty = 0;
    for (let t = 0; t < d * q; t++) {
      penalty += params[t]! * params[t]!;
      grad[t] += l2 * params[t]!;
    }
    for (let t = 0; t < grad.length; t++) grad[t] /= totalWeight;
    return (loss + 0.5 * l2 * penalty) / totalWeight;
  };
  const x0 = new Float64Array((d + 1) * q);
  let meanLogPrior = 0;
  for (const c of present) meanLogPrior += Math.log(classWeight[c]!) / q;
  present.forEach((c, a) => (x0[d * q + a] = Math.log(classWeight[c]!) - meanLogPrior));
  const warm = options.warmStart;
  if (warm !== undefined && present.every((c) => fittedClass(warm, c))) {
    present.forEach((c, a) => {
      for (let j = 0; j < d; j++) x0[j * q + a] = warm.coef[j * k + c]!;
      x0[d * q + a] = warm.intercept[c]!;
    });
  }
  return optimize(objective, x0, d * q, options);
}

/** Run L-BFGS; the first `nCoef` parameters are the coefficients (bounded at 0 when nonNegative). */
function optimize(
  objective: (x: Float64Array, g: Float64Array) => number,
  x0: Float64Array,
  nCoef: number,
  options: LogisticOptions,
): Float64Array {
  let lower: Float64Array | undefined;
  if (options.nonNegative === true) {
    lower = new Float64Array(x0.length).fill(-Infinity);
    lower.fill(0, 0, nCoef);
  }
  const result = minimizeLbfgs(objective, x0, {
    maxIter: options.maxIter ?? 500,
    tol: options.tol ?? 1e-6,
    ...(lower !== undefined ? { lower } : {}),
    ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
  });
  return result.x;
}

function checkInputs(X: Float64Array, n: number, d: number, y: Int32Array, k: number, options: LogisticOptions): void {
  if (!(n >= 1) || !(d >= 0) || !(k >= 2)) throw new RangeError(`fitLogistic: bad shape n=${n} d=${d} k=${k}`);
  if (X.length !== n * d) throw new RangeError(`fitLogistic: X has ${X.length} values, expected ${n} x ${d}`);
  if (y.length !== n) throw new RangeError(`fitLogistic: y has ${y.length} values, expected ${n}`);
  for (let i = 0; i < n; i++) {
    if (!(y[i]! >= 0 && y[i]! < k)) throw new RangeError(`fitLogistic: label ${y[i]} at row ${i} outside 0..${k - 1}`);
  }
  if (!(options.l2 >= 0) || !Number.isFinite(options.l2)) throw new RangeError(`fitLogistic: l2 must be >= 0, got ${options.l2}`);
  const warm = options.warmStart;
  if (warm !== undefined && (warm.coef.length !== d * k || warm.intercept.length !== k)) {
    throw new RangeError(`fitLogistic: warmStart has ${warm.coef.length} coefficients and ${warm.intercept.length} intercepts, expected ${d} x ${k} and ${k}`);
  }
  const w = options.sampleWeight;
  if (w !== undefined) {
    if (w.length !== n) throw new RangeError(`fitLogistic: sampleWeight has ${w.length} values, expected ${n}`);
    for (let i = 0; i < n; i++) {
      if (!(w[i]! >= 0) || !Number.isFinite(w[i]!)) throw new RangeError(`fitLogistic: bad sample weight ${w[i]} at row ${i}`);
    }
  }
}

/** Whether class c had training rows in a fitted model (an absent class's intercept is a poor start). */
function fittedClass(model: LinearCoefficients, c: number): boolean {
  return model.intercept[c]! > ABSENT_CLASS_INTERCEPT;
}

function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

function logSumExp(z: Float64Array, q: number): number {
  let max = -Infinity;
  for (let a = 0; a < q; a++) if (z[a]! > max) max = z[a]!;
  let s = 0;
  for (let a = 0; a < q; a++) s += Math.exp(z[a]! - max);
  return max + Math.log(s);
}

function sum(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

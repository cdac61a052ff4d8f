/**
 * Prediction with fitted linear models (ridge, logistic): plain loops over coefficients, no fitting code, so
 * loading and predicting need none of the solvers' dependencies.
 */
import { softmaxInPlace } from '../../util/portable-math.js';

/** A fitted linear map: `Y ≈ X coef + intercept`. */
export interface LinearCoefficients {
  /** Row-major d x m. */
  readonly coef: Float64Array;
  /** Length m. */
  readonly intercept: Float64Array;
}

/** Row-major n x m predictions `X coef + intercept` of a fitted linear map. */
export function predictLinear(X: Float64Array, n: number, d: number, model: LinearCoefficients): Float64Array {
  const m = model.intercept.length;
  if (model.coef.length !== d * m) throw new RangeError(`coef has ${model.coef.length} values, expected ${d} x ${m}`);
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    const o = i * m;
    for (let t = 0; t < m; t++) out[o + t] = model.intercept[t]!;
    for (let j = 0; j < d; j++) {
      const x = X[row + j]!;
      if (x === 0) continue;
      const c = j * m;
      for (let t = 0; t < m; t++) out[o + t] += x * model.coef[c + t]!;
    }
  }
  return out;
}

/** Row-major n x k class probabilities of a fitted logistic model (numerically stable softmax). */
export function predictLogistic(X: Float64Array, n: number, d: number, model: LinearCoefficients): Float64Array {
  const k = model.intercept.length;
  if (model.coef.length !== d * k) throw new RangeError(`coef has ${model.coef.length} values, expected ${d} x ${k}`);
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const o = i * k;
    for (let c = 0; c < k; c++) out[o + c] = model.intercept[c]!;
    for (let j = 0; j < d; j++) {
      const x = X[i * d + j]!;
      if (x === 0) continue;
      for (let c = 0; c < k; c++) out[o + c] += x * model.coef[j * k + c]!;
    }
    softmaxInPlace(out, o, k);
  }
  return out;
}

export { softmaxInPlace };

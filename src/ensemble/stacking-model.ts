/**
 * A fitted stacking meta-model as plain data: how its input matrix is built from member predictions (and
 * optional dense features) and how it predicts. Shared by the fitter (stacking.ts) and combinePredictions.
 */
import type { Predictions } from '../metrics/types.js';
import { predictLinear, predictLogistic } from '../models/linear/predict.js';
import { DataError } from '../util/errors.js';
import type { StackingModel } from './types.js';

/** Class columns of each member fed to the meta-model: p(class 1) for binary, every column otherwise. */
export function memberInputColumns(k: number): number[] {
  if (k === 1) return [0];
  if (k === 2) return [1];
  return Array.from({ length: k }, (_, c) => c);
}

/** Standardization of the optional dense features (fitted on the selection rows). */
export interface FeatureScaling {
  readonly mean: Float64Array;
  readonly scale: Float64Array;
}

/** Fits column means and standard deviations (scale 1 for constant columns) of a row-major n x d matrix. */
export function fitFeatureScaling(features: Float64Array, n: number, d: number): FeatureScaling {
  const mean = new Float64Array(d);
  const scale = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += features[i * d + j]! / n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = features[i * d + j]! - mean[j]!;
      scale[j]! += (v * v) / n;
    }
  }
  for (let j = 0; j < d; j++) scale[j] = scale[j]! > 0 ? Math.sqrt(scale[j]!) : 1;
  return { mean, scale };
}

/**
 * The meta-model's row-major input matrix: the chosen columns of each member, then the standardized features.
 * NaN features (missing) become 0 after standardization, i.e. the mean.
 */
export function stackingInputs(
  members: readonly Predictions[],
  n: number,
  k: number,
  features: Float64Array | undefined,
  scaling: FeatureScaling | undefined,
): { X: Float64Array; width: number } {
  const columns = memberInputColumns(k);
  const d = scaling === undefined ? 0 : scaling.mean.length;
  const width = members.length * columns.length + d;
  const X = new Float64Array(n * width);
  for (let i = 0; i < n; i++) {
    let o = i * width;
    for (const m of members) for (const c of columns) X[o++] = m[i * k + c]!;
    for (let j = 0; j < d; j++) {
      const v = (features![i * d + j]! - scaling!.mean[j]!) / scaling!.scale[j]!;
      X[o++] = v === v ? v : 0;
    }
  }
  return { X, width };
}

/** Predictions (n x k) of a fitted stacking model from its members' predictions, in combiner member order. */
export function predictStacking(
  model: StackingModel,
  members: readonly Predictions[],
  n: number,
  k: number,
  features?: Float64Array,
): Float64Array {
  if (model.nOutputs !== k) throw new DataError(`stacking model predicts ${model.nOutputs} outputs, asked for k = ${k}`);
  let scaling: FeatureScaling | undefined;
  if (model.featureMean !== undefined && model.featureScale !== undefined) {
    const d = model.featureMean.length;
    if (features === undefined || features.length !== n * d) {
      throw new DataError(`stacking model uses ${d} original features: pass them as a dense n x ${d} matrix`);
    }
    scaling = { mean: Float64Array.from(model.featureMean), scale: Float64Array.from(model.featureScale) };
  }
  const { X, width } = stackingInputs(members, n, k, features, scaling);
  if (width !== model.inputWidth) throw new DataError(`stacking model expects ${model.inputWidth} inputs, got ${width}`);
  const coefficients = { coef: Float64Array.from(model.coefficients), intercept: Float64Array.from(model.intercepts) };
  return model.learner === 'logistic' ? predictLogistic(X, n, width, coefficients) : predictLinear(X, n, width, coefficients);
}

/**
 * Low-level tree engine API on TreeMatrix (no Dataset, no preprocessing): used by the member families and by
 * the search surrogates (SMAC-style random-forest regressor, boosted regressor).
 */
import type { TreeMatrix } from '../../preprocess/types.js';
import { ConfigError } from '../../util/errors.js';
import { boostedRaw, trainBoosting, type BoostParams } from './boosting.js';
import { trainForest, type ForestParams } from './forest.js';
import { predictRawInto, predictTreeMeanVariance, type TreeArrays } from './predictor.js';

export { BoostingTrainer, trainBoosting, boostedRaw, type BoostParams, type BoostedModel } from './boosting.js';
export { ForestTrainer, trainForest, type ForestParams, type ForestModel, type ForestCriterion } from './forest.js';
export { predictRawInto, predictTreeMeanVariance, treeArraysToBlobs, treeArraysFromBlobs, type TreeArrays } from './predictor.js';
export { fitBinMapper, binMatrix, type BinMapper } from './binning.js';

/** Options of `trainForestRegressor`; every field optional. Defaults follow SMAC's random-forest surrogate. */
export interface ForestRegressorOptions {
  /** Trees (default 10). */
  nTrees?: number;
  /** Fraction of features examined per split (default 5/6). */
  maxFeaturesFraction?: number;
  /** Default 3. */
  minSamplesSplit?: number;
  /** Default 3. */
  minSamplesLeaf?: number;
  /** Default Infinity (unlimited). */
  maxDepth?: number;
  /** Bootstrap rows per tree (default true). */
  bootstrap?: boolean;
  /** Random thresholds (extra trees); default false. */
  randomSplits?: boolean;
  /** Default 255. */
  maxBins?: number;
  /** Default 0. */
  seed?: number;
}

export interface ForestRegressor {
  readonly trees: TreeArrays;
  /** Mean over trees and the variance of the tree predictions around it, per row. */
  predictMeanVariance(X: TreeMatrix): { mean: Float64Array; variance: Float64Array };
  predict(X: TreeMatrix): Float64Array;
}

export function trainForestRegressor(X: TreeMatrix, y: Float64Array, opts: ForestRegressorOptions = {}): ForestRegressor {
  checkTarget(X, y);
  const d = Math.max(X.columns.length, 1);
  const params: ForestParams = {
    nClasses: 0,
    nTrees: opts.nTrees ?? 10,
    maxFeatures: Math.max(1, Math.min(d, Math.ceil((opts.maxFeaturesFraction ?? 5 / 6) * d))),
    criterion: 'squared_error',
    maxDepth: opts.maxDepth ?? Infinity,
    minSamplesLeaf: opts.minSamplesLeaf ?? 3,
    minSamplesSplit: opts.minSamplesSplit ?? 3,
    bootstrap: opts.bootstrap ?? true,
    maxSamples: 1,
    randomSplits: opts.randomSplits ?? false,
    maxBins: opts.maxBins ?? 255,
    seed: opts.seed ?? 0,
  };
  const { trees } = trainForest(X, y, params);
  return {
    trees,
    predictMeanVariance: (Z) => predictTreeMeanVariance(trees, Z),
    predict: (Z) => {
      const out = new Float64Array(Z.nRows);
      predictRawInto(trees, Z, out);
      const T = trees.roots.length;
      for (let i = 0; i < out.length; i++) out[i] = out[i]! / T;
      return out;
    },
  };
}

/** Options of `trainBoostedRegressor` (squared error); every field optional. */
export interface BoostedRegressorOptions {
  /** Default 100. */
  nRounds?: number;
  /** Default 0.1. */
  learningRate?: number;
  /** Default 4. */
  maxDepth?: number;
  /** Default Infinity (depth-wise growth). */
  maxLeaves?: number;
  /** Default 2. */
  minSamplesLeaf?: number;
  /** Default 1. */
  lambda?: number;
  /** Default 1. */
  subsample?: number;
  /** Default 1. */
  colsample?: number;
  /** Default false (small data: train every round). */
  earlyStopping?: boolean;
  /** Default 255. */
  maxBins?: number;
  /** Default 0. */
  seed?: number;
}

export interface BoostedRegressor {
  predict(X: TreeMatrix): Float64Array;
}

export function trainBoostedRegressor(X: TreeMatrix, y: Float64Array, opts: BoostedRegressorOptions = {}): BoostedRegressor {
  checkTarget(X, y);
  const params: BoostParams = {
    loss: 'squared_error',
    nClasses: 0,
    learningRate: opts.learningRate ?? 0.1,
    nRounds: opts.nRounds ?? 100,
    maxLeaves: opts.maxLeaves ?? Infinity,
    maxDepth: opts.maxDepth ?? 4,
    minChildWeight: 0,
    minSamplesLeaf: opts.minSamplesLeaf ?? 2,
    lambda: opts.lambda ?? 1,
    minSplitGain: 0,
    subsample: opts.subsample ?? 1,
    colsample: opts.colsample ?? 1,
    maxBins: opts.maxBins ?? 255,
    catSmooth: 10,
    earlyStopping: opts.earlyStopping ?? false,
    validationFraction: 0.1,
    patience: 10,
    seed: opts.seed ?? 0,
  };
  const model = trainBoosting(X, y, params);
  return { predict: (Z) => boostedRaw(model, Z) };
}

function checkTarget(X: TreeMatrix, y: Float64Array): void {
  if (y.length !== X.nRows) throw new ConfigError(`target has ${y.length} values for ${X.nRows} rows`);
  if (X.nRows === 0) throw new ConfigError('cannot train on zero rows');
  for (let i = 0; i < y.length; i++) if (!Number.isFinite(y[i]!)) throw new ConfigError(`target value ${i} is not finite`);
}

/** Build a TreeMatrix from plain numeric columns (all numeric, names x0..). Convenience for surrogates/tests. */
export function numericTreeMatrix(columns: readonly Float64Array[], names?: readonly string[]): TreeMatrix {
  const nRows = columns.length > 0 ? columns[0]!.length : 0;
  for (const c of columns) if (c.length !== nRows) throw new ConfigError('columns of unequal length');
  return {
    nRows,
    columns,
    isCategorical: columns.map(() => false),
    cardinalities: columns.map(() => 0),
    names: names ?? columns.map((_, i) => `x${i}`),
  };
}

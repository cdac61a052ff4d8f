/**
 * The performance surrogate of SMAC-style Bayesian optimization: a random forest on encoded configurations whose
 * spread across trees is the predictive uncertainty, and the expected-improvement acquisition on top of it.
 */
import { trainForestRegressor } from '../models/trees/index.js';
import type { TreeMatrix } from '../preprocess/types.js';

/** Forest settings close to SMAC's defaults (10 trees, 5/6 of the features per split, small leaves). */
export interface ForestSurrogateOptions {
  readonly nTrees?: number;
  readonly maxFeaturesFraction?: number;
  readonly minSamplesLeaf?: number;
}

export interface MeanVariance {
  readonly mean: Float64Array;
  readonly variance: Float64Array;
}

export interface PerformanceSurrogate {
  predict(X: TreeMatrix): MeanVariance;
}

export function fitForestSurrogate(X: TreeMatrix, y: Float64Array, seed: number, options: ForestSurrogateOptions = {}): PerformanceSurrogate {
  const forest = trainForestRegressor(X, y, {
    nTrees: options.nTrees ?? 10,
    maxFeaturesFraction: options.maxFeaturesFraction ?? 5 / 6,
    minSamplesLeaf: options.minSamplesLeaf ?? 1,
    minSamplesSplit: 3,
    bootstrap: true,
    seed,
  });
  return { predict: (Xq) => forest.predictMeanVariance(Xq) };
}

/** Expected improvement below `best` (minimization), with exploration margin xi. */
export function expectedImprovement(mv: MeanVariance, best: number, xi = 0): Float64Array {
  const n = mv.mean.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const sigma = Math.sqrt(Math.max(0, mv.variance[i]!));
    const gain = best - mv.mean[i]! - xi;
    if (sigma < 1e-12) {
      out[i] = Math.max(0, gain);
      continue;
    }
    const z = gain / sigma;
    out[i] = Math.max(0, gain * normalCdf(z) + sigma * normalPdf(z));
  }
  return out;
}

export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Complementary error function (Chebyshev fit, relative error < 1.2e-7 everywhere). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

export { descendingRanks } from '../util/ranks.js';

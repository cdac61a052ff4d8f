/**
 * Which variance is better calibrated for a tree member: the spread across its trees (what the product uses,
 * FittedMember.predictVariance of the forests) or a second model of its squared out-of-fold residuals?
 *
 * For the best forest (random forest or extra trees) of a run, on the outer test rows:
 * - tree spread: the fold models' mean variance across trees, recalibrated (scale * v + offset) on the out-of-fold
 *   rows, as the product does;
 * - residual model: gradient boosting (100 rounds, depth 3, early stopping) on log(r^2 + eps) of the member's
 *   out-of-fold residuals r, cross-fitted on the run's folds so that its own out-of-fold estimate can be recalibrated
 *   the same way; test variance from the average of its fold models;
 * - constant: the out-of-fold mean squared error (homoscedastic baseline).
 * Figures: mean Gaussian NLL of the test rows (lower is better), coverage of the Gaussian 90% interval
 * mean +/- 1.645 sd (0.90 is calibrated), and the rank correlation of sd with |error| (higher: sharper ranking).
 */
import { takeFeatureRows, takeRows, type Dataset } from '../src/data/dataset.js';
import { labelFolds } from '../src/data/split.js';
import { gaussianNll } from '../src/ensemble/uncertainty.js';
import { applyVarianceCalibration, fitVarianceCalibration } from '../src/ensemble/variance-calibration.js';
import { getFamily } from '../src/models/registry.js';
import type { FittedMember } from '../src/models/types.js';
import type { Store } from '../src/store/types.js';
import { spearman } from './uncertainty-ood.js';

export interface VarianceFigures {
  readonly nll: number;
  readonly coverage_90: number;
  readonly spearman_sd_error: number;
}

export interface VarianceComparison {
  readonly member: string;
  readonly tree_spread: VarianceFigures;
  readonly residual_model: VarianceFigures;
  readonly constant: VarianceFigures;
}

const RESIDUAL_MODEL = { n_estimators: 100, learning_rate: 0.05, grow_policy: 'depthwise', max_depth: 3, min_samples_leaf: 20 } as const;

export async function compareVariances(store: Store, runId: number, train: Dataset, test: Dataset, folds: number, seed: number): Promise<VarianceComparison | undefined> {
  const trial = store.leaderboard(runId).find((t) => t.family === 'random_forest' || t.family === 'extra_trees');
  if (trial === undefined) return undefined;
  const y = (train.target as { values: Float64Array }).values;
  const yTest = (test.target as { values: Float64Array }).values;
  const oof = Float64Array.from(store.getPredictions(trial.id, 'oof')!.values);
  const oofVariance = Float64Array.from(store.getPredictions(trial.id, 'oof-variance')!.values);
  const family = getFamily(trial.family);
  const models: FittedMember[] = await Promise.all(store.getModels(trial.id).map((s) => family.load(s)));
  const mean = averageOf(models.map((m) => m.predict(test)));
  const treeVariance = averageOf(models.map((m) => m.predictVariance!(test)));

  const tree = applyVarianceCalibration(fitVarianceCalibration(y, oof, oofVariance), test.nRows, treeVariance);
  const residual = await residualModelVariance(train, test, y, oof, folds, seed);
  const constant = applyVarianceCalibration(fitVarianceCalibration(y, oof), test.nRows);
  return {
    member: `${trial.family} (trial ${trial.number})`,
    tree_spread: figures(yTest, mean, tree),
    residual_model: figures(yTest, mean, residual),
    constant: figures(yTest, mean, constant),
  };
}

async function residualModelVariance(train: Dataset, test: Dataset, y: Float64Array, oof: Float64Array, folds: number, seed: number): Promise<Float64Array> {
  let mse = 0;
  for (let i = 0; i < y.length; i++) mse += (y[i]! - oof[i]!) ** 2 / y.length;
  const eps = 1e-4 * mse;
  const target = Float64Array.from(y, (v, i) => Math.log((v - oof[i]!) ** 2 + eps));
  const residualData: Dataset = { ...train, target: { name: 'log_squared_residual', kind: 'values', values: target }, task: 'regression' };
  const gbdt = getFamily('gbdt');
  const ctx = { seed, signal: new AbortController().signal, deadline: Infinity };
  const oofEstimate = new Float64Array(y.length);
  const testEstimates: Float64Array[] = [];
  for (const fold of labelFolds(y, folds, seed)) {
    const model = await gbdt.fit(takeRows(residualData, fold.train), RESIDUAL_MODEL, ctx);
    const held = model.predict(takeFeatureRows(train, fold.test));
    fold.test.forEach((row, j) => (oofEstimate[row] = Math.exp(held[j]!)));
    testEstimates.push(Float64Array.from(model.predict(test), Math.exp));
  }
  return applyVarianceCalibration(fitVarianceCalibration(y, oof, oofEstimate), test.nRows, averageOf(testEstimates));
}

function figures(y: Float64Array, mean: Float64Array, variance: Float64Array): VarianceFigures {
  let covered = 0;
  const sd = Float64Array.from(variance, Math.sqrt);
  const error = Float64Array.from(y, (v, i) => Math.abs(v - mean[i]!));
  for (let i = 0; i < y.length; i++) if (error[i]! <= 1.6448536269514722 * sd[i]!) covered++;
  return { nll: gaussianNll(y, mean, variance), coverage_90: covered / y.length, spearman_sd_error: spearman(sd, error) };
}

function averageOf(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts[0]!.length);
  for (const p of parts) for (let i = 0; i < out.length; i++) out[i]! += p[i]! / parts.length;
  return out;
}

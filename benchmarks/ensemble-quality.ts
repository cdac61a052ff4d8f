/**
 * Benchmark: quality of the post hoc ensemble selectors on REAL out-of-fold predictions.
 *
 * Per dataset: a seeded stratified 75 / 25 holdout. On the 75 % part, a pool of members (random configurations
 * of the gbdt, random_forest, extra_trees and linear families) is trained with 5-fold cross-validation, giving
 * each member's out-of-fold predictions; its test predictions are the mean of its 5 fold models' (bagging, as
 * AutoGluon). Every selector picks an ensemble on the out-of-fold predictions; the table reports the ensemble's
 * score on the untouched 25 % with the task's default metric (ROC AUC binary, log loss multiclass, RMSE
 * regression).
 *
 * Run: node dist/benchmarks/ensemble-quality.js [--members M] [--datasets a,b]. Writes results/ensemble-quality.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { outputWidth, takeRows, targetLabels, type Dataset } from '../src/data/dataset.js';
import { loadDatasetFile } from '../src/data/load.js';
import { datasetFolds, holdout } from '../src/data/split.js';
import { combinePredictions, getSelector, selectorNames } from '../src/ensemble/index.js';
import type { Candidate } from '../src/ensemble/types.js';
import { defaultMetric } from '../src/metrics/index.js';
import { getFamily } from '../src/models/registry.js';
import type { Config } from '../src/models/types.js';
import { deriveSeed, Rng } from '../src/util/random.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DATASETS = ['diabetes', 'credit-g', 'vehicle', 'segment', 'boston', 'concrete'];
const FOLDS = 5;

/** A random configuration of a family, from small hand-set ranges (the search module owns the real spaces). */
function randomConfig(family: string, rng: Rng): Config {
  const logUniform = (lo: number, hi: number): number => Math.exp(rng.uniform(Math.log(lo), Math.log(hi)));
  switch (family) {
    case 'gbdt':
      return {
        learning_rate: logUniform(0.02, 0.3),
        num_leaves: 4 + rng.int(60),
        min_samples_leaf: 3 + rng.int(40),
        subsample: rng.uniform(0.6, 1),
        colsample_bytree: rng.uniform(0.5, 1),
        n_estimators: 300,
      };
    case 'random_forest':
    case 'extra_trees':
      return {
        n_estimators: 60,
        max_features: rng.uniform(0.1, 0.9),
        min_samples_leaf: 1 + rng.int(10),
        ...(rng.next() < 0.5 ? { criterion: 'entropy' } : {}),
      };
    default:
      return { l2: logUniform(1e-3, 100) };
  }
}

interface MemberPredictions {
  readonly candidate: Candidate;
  readonly test: Float64Array;
}

async function trainPool(train: Dataset, test: Dataset, members: number, seed: number): Promise<MemberPredictions[]> {
  const k = outputWidth(train);
  const folds = datasetFolds(train, FOLDS, seed);
  const families = ['gbdt', 'random_forest', 'extra_trees', 'linear'].filter((f) => getFamily(f).supports(train.task));
  const rng = new Rng(seed);
  const out: MemberPredictions[] = [];
  for (let j = 0; j < members; j++) {
    const familyName = families[j % families.length]!;
    const family = getFamily(familyName);
    const config = randomConfig(familyName, rng);
    const oof = new Float64Array(train.nRows * k);
    const testPred = new Float64Array(test.nRows * k);
    for (const fold of folds) {
      const ctx = { seed: deriveSeed(seed, j, fold.fold), signal: new AbortController().signal, deadline: Infinity };
      const model = await family.fit(takeRows(train, fold.train), config, ctx);
      const p = model.predict(takeRows(train, fold.test));
      fold.test.forEach((row, t) => oof.set(p.subarray(t * k, (t + 1) * k), row * k));
      const q = model.predict(test);
      for (let i = 0; i < q.length; i++) testPred[i]! += q[i]! / folds.length;
      model.dispose?.();
    }
    out.push({ candidate: { id: j, family: familyName, config, predictions: oof }, test: testPred });
  }
  return out;
}

interface Row {
  dataset: string;
  task: string;
  metric: string;
  rows: number;
  members: number;
  scores: Record<string, { validation: number; test: number; members: number; seconds: number }>;
}

async function main(): Promise<void> {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const members = Number(arg('--members') ?? 16);
  const names = arg('--datasets')?.split(',') ?? DATASETS;
  const results: Row[] = [];
  for (const name of names) {
    const dataset = loadDatasetFile(join(ROOT, `../shared/datasets/${name}.arff`));
    const seed = 7;
    const y = targetLabels(dataset);
    const split = holdout(dataset.nRows, 0.25, seed, dataset.target.kind === 'classes' ? (y as Int32Array) : undefined);
    const train = takeRows(dataset, split.train);
    const test = takeRows(dataset, split.test);
    const started = performance.now();
    const pool = await trainPool(train, test, members, seed);
    const trainSeconds = (performance.now() - started) / 1000;
    const metric = defaultMetric(dataset.task);
    const k = outputWidth(dataset);
    const yTrain = targetLabels(train);
    const yTest = targetLabels(test);
    const testById = new Map(pool.map((m) => [m.candidate.id, m.test] as const));
    const row: Row = { dataset: name, task: dataset.task, metric: metric.name, rows: dataset.nRows, members, scores: {} };
    for (const method of selectorNames()) {
      const t = performance.now();
      const result = getSelector(method).select(pool.map((m) => m.candidate), yTrain, metric, { seed });
      const seconds = (performance.now() - t) / 1000;
      const testPred = combinePredictions(result.combiner, testById, test.nRows, k);
      row.scores[method] = {
        validation: result.validationScore,
        test: metric.score(yTest, testPred, k),
        members: result.combiner.memberIds.length,
        seconds,
      };
    }
    results.push(row);
    console.log(`${name}: ${members} members trained in ${trainSeconds.toFixed(1)} s`);
  }

  const methods = selectorNames();
  console.log('\nTest score of each selector (25 % holdout; members selected on 5-fold out-of-fold predictions)\n');
  const header = ['dataset', 'metric', ...methods];
  const lines = results.map((r) => [r.dataset, r.metric, ...methods.map((m) => r.scores[m]!.test.toFixed(4))]);
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c]!.length)));
  const fmt = (l: string[]): string => l.map((v, c) => (c < 2 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ');
  console.log(fmt(header));
  for (const l of lines) console.log(fmt(l));
  mkdirSync(join(ROOT, 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'results/ensemble-quality.json'), `${JSON.stringify({ holdout: 0.25, folds: FOLDS, results }, null, 2)}\n`);
  console.log('\nwrote results/ensemble-quality.json');
}

await main();

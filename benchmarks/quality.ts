/**
 * Quality of the default autoEnsemble against the single best member of the same run and against our own random
 * forest and gradient boosting with default settings, on real datasets with seeded outer folds.
 *
 *   npm run bench:quality                       # 8 datasets x 3 folds x 60 s (about 30 minutes on 2 cores)
 *   BUDGET=20 FOLDS=2 DATASETS=iris,cpu npm run bench:quality
 *
 * Prints a table and writes results/quality.json.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autoEnsemble, reEnsemble } from '../src/api/auto-ensemble.js';
import { loadDatasetFile } from '../src/data/load.js';
import { datasetFolds } from '../src/data/split.js';
import { outputWidth, takeRows, targetLabels, type Dataset } from '../src/data/dataset.js';
import { defaultMetric } from '../src/metrics/index.js';
import { getFamily } from '../src/models/registry.js';

const DATASETS = (process.env['DATASETS'] ?? 'credit-g,vote,soybean,segment,vehicle,spambase,boston,concrete').split(',');
const BUDGET = Number(process.env['BUDGET'] ?? 60);
const FOLDS = Number(process.env['FOLDS'] ?? 3);
const SEED = 2026;

interface Cell {
  dataset: string;
  fold: number;
  metric: string;
  higherIsBetter: boolean;
  autoEnsemble: number;
  singleBest: number;
  randomForest: number;
  gradientBoosting: number;
  trials: number;
  ensembleSize: number;
  seconds: number;
}

async function baseline(family: string, train: Dataset, test: Dataset): Promise<Float64Array> {
  const f = getFamily(family);
  const member = await f.fit(train, {}, { seed: SEED, signal: new AbortController().signal, deadline: Infinity });
  return member.predict(test);
}

async function main(): Promise<void> {
  const cells: Cell[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'ae-quality-'));
  try {
    for (const name of DATASETS) {
      const data = loadDatasetFile(`../shared/datasets/${name}.arff`);
      const metric = defaultMetric(data.task);
      const k = outputWidth(data);
      for (const fold of datasetFolds(data, FOLDS, SEED)) {
        const train = takeRows(data, fold.train);
        const test = takeRows(data, fold.test);
        const y = targetLabels(test);
        const started = Date.now();
        const result = await autoEnsemble(train, { timeBudget: BUDGET, seed: SEED + fold.fold, store: join(dir, `${name}.db`) });
        const seconds = (Date.now() - started) / 1000;
        const single = await reEnsemble(result.runId, { ensemble: 'single-best', store: join(dir, `${name}.db`) });
        const cell: Cell = {
          dataset: name,
          fold: fold.fold,
          metric: metric.name,
          higherIsBetter: metric.higherIsBetter,
          autoEnsemble: metric.score(y, result.ensemble.predictMatrix(test), k),
          singleBest: metric.score(y, single.ensemble.predictMatrix(test), k),
          randomForest: metric.score(y, await baseline('random_forest', train, test), k),
          gradientBoosting: metric.score(y, await baseline('gbdt', train, test), k),
          trials: result.run.trials.done,
          ensembleSize: result.members.length,
          seconds,
        };
        cells.push(cell);
        console.error(`${name} fold ${fold.fold}: ${metric.name} ensemble ${cell.autoEnsemble.toFixed(4)} single ${cell.singleBest.toFixed(4)} ` +
          `rf ${cell.randomForest.toFixed(4)} gbdt ${cell.gradientBoosting.toFixed(4)} (${cell.trials} trials, ${seconds.toFixed(1)} s)`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  report(cells);
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function report(cells: Cell[]): void {
  const rows = DATASETS.map((name) => {
    const cs = cells.filter((c) => c.dataset === name);
    const better = (a: number, b: number): boolean => (cs[0]!.higherIsBetter ? a > b : a < b);
    const summary = {
      dataset: name,
      metric: cs[0]!.metric,
      autoEnsemble: mean(cs.map((c) => c.autoEnsemble)),
      singleBest: mean(cs.map((c) => c.singleBest)),
      randomForest: mean(cs.map((c) => c.randomForest)),
      gradientBoosting: mean(cs.map((c) => c.gradientBoosting)),
      trials: mean(cs.map((c) => c.trials)),
      ensembleSize: mean(cs.map((c) => c.ensembleSize)),
    };
    const wins = ['singleBest', 'randomForest', 'gradientBoosting'].every((m) =>
      !better(summary[m as 'singleBest'], summary.autoEnsemble),
    );
    return { ...summary, ensembleBestOrTied: wins };
  });
  const header = '| dataset | metric | autoEnsemble | single best | random forest | gbdt | trials | ensemble size | ensemble best? |';
  console.log(`\nQuality: ${FOLDS} folds, ${BUDGET} s budget per fold (mean test score)\n`);
  console.log(header);
  console.log('|' + '---|'.repeat(9));
  for (const r of rows) {
    console.log(`| ${r.dataset} | ${r.metric} | ${r.autoEnsemble.toFixed(4)} | ${r.singleBest.toFixed(4)} | ${r.randomForest.toFixed(4)} | ` +
      `${r.gradientBoosting.toFixed(4)} | ${r.trials.toFixed(1)} | ${r.ensembleSize.toFixed(1)} | ${r.ensembleBestOrTied ? 'yes' : 'no'} |`);
  }
  const wins = rows.filter((r) => r.ensembleBestOrTied).length;
  console.log(`\nautoEnsemble best or tied on ${wins} of ${rows.length} datasets`);
  mkdirSync('results', { recursive: true });
  writeFileSync('results/quality.json', JSON.stringify({ budgetSeconds: BUDGET, folds: FOLDS, seed: SEED, datasets: rows, cells, ensemble_wins: wins }, null, 2) + '\n');
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

/**
 * Measurement behind the fold-level racing bound (src/training/racing.ts): would the trials it prunes have
 * mattered to the ensemble?
 *
 * Per dataset and seed, one search of `--trials` trials runs with racing OFF (every fold of every trial, per-fold
 * losses stored) on 75% of the rows; the other 25% are test rows. Racing is then replayed on the stored fold
 * losses: trial t races against the best done trial among 0..t-2 (two workers), after its first fold, for each gap.
 * For each gap it reports the share of trials that would be pruned, the share of fold fits saved, the GES weight
 * those trials hold in the ensemble built from all trials, and the validation and test loss of GES rebuilt without
 * them (their change against GES on all trials: positive = worse).
 *
 * No timing is measured (maxTrials runs, a 15 s per-trial limit), so a busy machine changes the figures little.
 * Run: node dist/benchmarks/racing.js [--datasets credit-g,...] [--trials 40] [--seeds 2]
 * Prints a table; writes results/racing.json.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { autoEnsemble } from '../src/api/auto-ensemble.js';
import { outputWidth, takeRows, targetLabels, type Dataset } from '../src/data/dataset.js';
import { loadDatasetFile } from '../src/data/load.js';
import { datasetFolds, holdout } from '../src/data/split.js';
import { combinePredictions, greedyEnsembleSelection } from '../src/ensemble/index.js';
import type { Candidate } from '../src/ensemble/types.js';
import { getMetric } from '../src/metrics/index.js';
import type { Metric } from '../src/metrics/types.js';
import { SqliteStore } from '../src/store/index.js';
import type { TrialRecord } from '../src/store/types.js';
import { constantFoldLoss, pruneReason } from '../src/training/racing.js';
import { formatTable } from '../src/util/text-table.js';
import { argument } from './args.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DATA = join(ROOT, '../shared/datasets');
const GAPS = [0.25, 0.5, 0.75, 1];
const FOLDS = 5;

interface Replay {
  readonly dataset: string;
  readonly seed: number;
  readonly gap: number;
  readonly trials: number;
  readonly pruned: number;
  readonly foldFitsSaved: number;
  readonly prunedGesWeight: number;
  readonly validationLossChange: number;
  readonly testLossChange: number;
}

async function search(name: string, seed: number, trials: number, dir: string): Promise<Replay[]> {
  const data = loadDatasetFile(join(DATA, `${name}.arff`));
  const split = holdout(data.nRows, 0.25, seed, data.target.kind === 'classes' ? data.target.codes : undefined);
  const train = takeRows(data, split.train);
  const test = takeRows(data, split.test);
  const store = join(dir, `${name}-${seed}.db`);
  const result = await autoEnsemble(train, {
    // A per-trial limit keeps slow members (CPU MLPs) from dominating the run time; which ones it cuts does not
    // matter here, the replay looks at the trials that finished.
    maxTrials: trials, seed, store, folds: FOLDS, pruning: false, test, perTrialTimeLimit: 15,
  });
  const metric = getMetric(result.metric, train.task);
  const db = new SqliteStore(store);
  try {
    const done = db.listTrials(result.runId).filter((t) => t.status === 'done' && t.foldLosses !== null);
    const constant = constantLosses(train, metric, seed);
    return GAPS.map((gap) => replay(name, seed, gap, done, constant, db, train, test, metric));
  } finally {
    db.close();
  }
}

/** The constant predictor's loss on each fold of the run (the same folds: the run's seed). */
function constantLosses(train: Dataset, metric: Metric, seed: number): number[] {
  const labels = targetLabels(train);
  const k = outputWidth(train);
  return datasetFolds(train, FOLDS, seed).map((fold) => constantFoldLoss(metric, labels, fold.train, fold.test, k));
}

function replay(
  dataset: string,
  seed: number,
  gap: number,
  done: readonly TrialRecord[],
  constant: readonly number[],
  store: SqliteStore,
  train: Dataset,
  test: Dataset,
  metric: Metric,
): Replay {
  const pruned = new Set<number>();
  let saved = 0;
  for (const trial of done) {
    const earlier = done.filter((t) => t.number <= trial.number - 2 && !pruned.has(t.id));
    if (earlier.length === 0) continue;
    const best = earlier.reduce((a, b) => (b.validationLoss! < a.validationLoss! ? b : a));
    const reason = pruneReason({ incumbent: best.number, against: best.foldLosses!, gap, minFolds: 1 }, trial.foldLosses!.slice(0, 1), constant, FOLDS);
    if (reason !== null) {
      pruned.add(trial.id);
      saved += FOLDS - 1;
    }
  }
  const all = gesOf(done, store, train, metric);
  const kept = gesOf(done.filter((t) => !pruned.has(t.id)), store, train, metric);
  const weightOfPruned = all.weights.reduce((s, [id, w]) => s + (pruned.has(id) ? w : 0), 0);
  return {
    dataset,
    seed,
    gap,
    trials: done.length,
    pruned: pruned.size,
    foldFitsSaved: saved / (done.length * FOLDS),
    prunedGesWeight: weightOfPruned,
    validationLossChange: kept.validationLoss - all.validationLoss,
    testLossChange: testLoss(kept.weights, store, test, metric) - testLoss(all.weights, store, test, metric),
  };
}

function gesOf(trials: readonly TrialRecord[], store: SqliteStore, train: Dataset, metric: Metric): { weights: [number, number][]; validationLoss: number } {
  const matrix = store.readPredictions(trials.map((t) => t.id), 'oof', 'float64');
  const candidates: Candidate[] = trials.map((t, i) => ({ id: t.id, family: t.family, config: t.config, predictions: matrix.member(i) }));
  const result = greedyEnsembleSelection(candidates, targetLabels(train), metric, { seed: 1 });
  if (result.combiner.kind !== 'weights') throw new Error('GES gives weights');
  const { memberIds, weights } = result.combiner;
  const score = result.validationScore;
  return { weights: memberIds.map((id, i) => [id, weights[i]!]), validationLoss: metric.higherIsBetter ? -score : score };
}

function testLoss(weights: readonly [number, number][], store: SqliteStore, test: Dataset, metric: Metric): number {
  const k = outputWidth(test);
  const byId = new Map(weights.map(([id]) => [id, store.getPredictions(id, 'test')!.values] as const));
  const combined = combinePredictions({ kind: 'weights', memberIds: weights.map(([id]) => id), weights: weights.map(([, w]) => w) }, byId, test.nRows, k);
  return metric.loss(targetLabels(test), combined, k);
}

async function main(): Promise<void> {
  const datasets = argument('datasets', 'credit-g,diabetes,vehicle,segment,spambase,soybean,boston,concrete').split(',');
  const trials = Number(argument('trials', '40'));
  const seeds = Number(argument('seeds', '2'));
  const dir = mkdtempSync(join(tmpdir(), 'ae-racing-'));
  const rows: Replay[] = [];
  try {
    for (const name of datasets) {
      for (let seed = 0; seed < seeds; seed++) {
        const started = performance.now();
        rows.push(...(await search(name, seed, trials, dir)));
        console.error(`${name} seed ${seed}: ${((performance.now() - started) / 1000).toFixed(0)} s`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const summary = GAPS.map((gap) => {
    const at = rows.filter((r) => r.gap === gap);
    const mean = (f: (r: Replay) => number) => at.reduce((s, r) => s + f(r), 0) / at.length;
    return {
      gap,
      prunedShare: mean((r) => r.pruned / r.trials),
      foldFitsSaved: mean((r) => r.foldFitsSaved),
      prunedGesWeight: mean((r) => r.prunedGesWeight),
      maxPrunedGesWeight: Math.max(...at.map((r) => r.prunedGesWeight)),
      meanTestLossChange: mean((r) => r.testLossChange),
      worseOnTest: at.filter((r) => r.testLossChange > 1e-12).length,
      betterOnTest: at.filter((r) => r.testLossChange < -1e-12).length,
      searches: at.length,
    };
  });
  console.log(
    formatTable(
      ['gap', 'pruned', 'fold fits saved', 'their GES weight (mean / max)', 'test loss change (mean)', 'test worse / better / searches'],
      summary.map((s) => [
        String(s.gap),
        `${(100 * s.prunedShare).toFixed(1)}%`,
        `${(100 * s.foldFitsSaved).toFixed(1)}%`,
        `${s.prunedGesWeight.toFixed(4)} / ${s.maxPrunedGesWeight.toFixed(3)}`,
        s.meanTestLossChange.toExponential(2),
        `${s.worseOnTest} / ${s.betterOnTest} / ${s.searches}`,
      ]),
    ),
  );
  const out = join(ROOT, 'results/racing.json');
  writeFileSync(out, JSON.stringify({ benchmark: 'racing', trials, seeds, folds: FOLDS, datasets, load_average: loadavg()[0], summary, rows }, null, 2) + '\n');
  console.error(`wrote ${out}`);
}

await main();

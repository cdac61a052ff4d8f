/**
 * Search benchmark: random search vs SMAC-style BO vs DivBO, end to end.
 *
 * For each shared dataset: a stratified outer holdout (25% test); each method runs the real trial engine
 * (`startRun`: 5-fold out-of-fold predictions in the worker pool, SQLite store in memory) for the same number of
 * trials over the same search space and seed; then GES builds an ensemble from the out-of-fold predictions and we
 * score it, and the best single member (lowest validation loss), on the test rows. Methods are ranked per dataset
 * (1 = best test score, ties share the average rank) and ranks are averaged.
 *
 * Usage: node dist/benchmarks/search.js [--trials 30] [--seeds 1] [--first-seed 1] [--space <file|name>]
 *          [--datasets a,b,...] [--merge results/search.json]
 * `--merge` keeps the rows of an earlier result file (other seeds) and ranks over all of them; with
 * `--datasets ''` it only recomputes the summary of that file.
 * Writes results/search.json ({ avg_rank: {method: rank}, avg_rank_single, rows, ... }).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { takeRows, targetLabels, type Dataset } from '../src/data/dataset.js';
import { loadDatasetFile } from '../src/data/load.js';
import { holdout } from '../src/data/split.js';
import { combinePredictions, getSelector } from '../src/ensemble/index.js';
import type { Candidate } from '../src/ensemble/types.js';
import { defaultMetric } from '../src/metrics/index.js';
import type { Metric } from '../src/metrics/types.js';
import { createProposer, loadSearchSpace, restrictSpace, type ProposerKind, type SearchSpace } from '../src/search/index.js';
import { SqliteStore } from '../src/store/index.js';
import { startRun } from '../src/training/index.js';

const METHODS: readonly ProposerKind[] = ['random', 'bo', 'divbo'];
const DEFAULT_DATASETS = ['diabetes', 'credit-g', 'vehicle', 'ionosphere', 'wdbc', 'glass', 'boston', 'concrete'];
/** Members fast enough for a benchmark of many runs (the MLP and ml-random-forest are left out). */
const BENCH_FAMILIES = ['gbdt', 'random_forest', 'extra_trees', 'linear'];

interface Args {
  trials: number;
  seeds: number;
  space: string;
  datasets: string[];
  concurrency: number;
  firstSeed: number;
  merge?: string;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { trials: 30, seeds: 1, space: 'default', datasets: DEFAULT_DATASETS, concurrency: 2, firstSeed: 1 };
  for (let i = 0; i < argv.length; i += 2) {
    const value = argv[i + 1] ?? '';
    switch (argv[i]) {
      case '--trials':
        args.trials = Number(value);
        break;
      case '--seeds':
        args.seeds = Number(value);
        break;
      case '--space':
        args.space = value;
        break;
      case '--datasets':
        args.datasets = value.split(',').filter((x) => x !== '');
        break;
      case '--first-seed':
        args.firstSeed = Number(value);
        break;
      case '--merge':
        args.merge = value;
        break;
      case '--concurrency':
        args.concurrency = Number(value);
        break;
      default:
        throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  return args;
}

interface MethodResult {
  readonly ensembleTest: number;
  readonly singleTest: number;
  readonly ensembleValidation: number;
  readonly done: number;
  readonly seconds: number;
}

async function runMethod(method: ProposerKind, train: Dataset, test: Dataset, space: SearchSpace, metric: Metric, seed: number, args: Args): Promise<MethodResult> {
  const start = Date.now();
  const store = new SqliteStore(':memory:');
  try {
    const labels = targetLabels(train);
    const proposer = createProposer(method, space, { seed, labels, metric });
    const summary = await startRun(train, {
      store,
      proposer,
      test,
      folds: 5,
      seed,
      metric: metric.name,
      maxTrials: args.trials,
      concurrency: args.concurrency,
    });
    const trials = store.listTrials(summary.runId, ['done']);
    if (trials.length === 0) throw new Error(`${method}: no trial succeeded`);
    const ids = trials.map((t) => t.id);
    const oof = store.readPredictions(ids, 'oof', 'float64');
    const testPreds = store.readPredictions(ids, 'test', 'float64');
    const k = oof.cols;
    const candidates: Candidate[] = trials.map((t, i) => ({ id: t.id, family: t.family, config: t.config, predictions: oof.member(i) }));
    const selection = getSelector('ges').select(candidates, labels, metric, { seed });
    const byId = new Map(ids.map((id, i) => [id, testPreds.member(i)] as const));
    const yTest = targetLabels(test);
    const ensemble = combinePredictions(selection.combiner, byId, test.nRows, k);
    let bestIndex = 0;
    trials.forEach((t, i) => {
      if ((t.validationLoss ?? Infinity) < (trials[bestIndex]!.validationLoss ?? Infinity)) bestIndex = i;
    });
    return {
      ensembleTest: metric.score(yTest, ensemble, k),
      singleTest: metric.score(yTest, testPreds.member(bestIndex), k),
      ensembleValidation: selection.validationScore,
      done: trials.length,
      seconds: (Date.now() - start) / 1000,
    };
  } finally {
    store.close();
  }
}

/** Ranks (1 = best) of scores with ties averaged. */
function ranks(scores: readonly number[], higherIsBetter: boolean): number[] {
  return scores.map((s) => {
    let better = 0;
    let equal = 0;
    for (const o of scores) {
      if (o === s) equal++;
      else if (higherIsBetter ? o > s : o < s) better++;
    }
    return better + (equal + 1) / 2;
  });
}

interface Row extends MethodResult {
  readonly dataset: string;
  readonly seed: number;
  readonly metric: string;
  readonly higherIsBetter: boolean;
  readonly method: ProposerKind;
}

/** Average rank per method over every (dataset, seed) problem where all methods ran. */
function averageRanks(rows: readonly Row[], score: (r: Row) => number): { ranks: Record<string, number>; problems: number } {
  const groups = new Map<string, Row[]>();
  for (const r of rows) groups.set(`${r.dataset}/${r.seed}`, [...(groups.get(`${r.dataset}/${r.seed}`) ?? []), r]);
  const sums: Record<string, number> = {};
  let problems = 0;
  for (const group of groups.values()) {
    const byMethod = METHODS.map((m) => group.find((r) => r.method === m));
    if (byMethod.some((r) => r === undefined)) continue;
    const rk = ranks(byMethod.map((r) => score(r!)), byMethod[0]!.higherIsBetter);
    METHODS.forEach((m, i) => (sums[m] = (sums[m] ?? 0) + rk[i]!));
    problems++;
  }
  return { ranks: Object.fromEntries(METHODS.map((m) => [m, Number(((sums[m] ?? 0) / Math.max(problems, 1)).toFixed(3))])), problems };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const full = loadSearchSpace(args.space);
  const space = restrictSpace(full, BENCH_FAMILIES.filter((f) => full.families.some((x) => x.name === f)));
  const rows: Row[] = [];
  if (args.merge !== undefined) {
    const previous = JSON.parse(readFileSync(args.merge, 'utf8')) as { rows: Row[]; trials_per_method: number };
    if (previous.trials_per_method !== args.trials) throw new Error(`${args.merge} used ${previous.trials_per_method} trials, not ${args.trials}`);
    rows.push(...previous.rows);
  }
  console.log(`search benchmark: ${args.trials} trials per method, space '${space.name}' (${space.families.map((f) => f.name).join(', ')})`);
  console.log('dataset        seed metric        method  ens-test  single-test  ens-valid  trials  seconds');
  for (const name of args.datasets) {
    const data = loadDatasetFile(`../shared/datasets/${name}.arff`);
    const metric = defaultMetric(data.task);
    for (let s = 0; s < args.seeds; s++) {
      const seed = args.firstSeed + s;
      const split = holdout(data.nRows, 0.25, seed, data.target.kind === 'classes' ? data.target.codes : undefined);
      const train = takeRows(data, split.train);
      const test = takeRows(data, split.test);
      for (const method of METHODS) {
        const r = await runMethod(method, train, test, space, metric, seed, args);
        console.log(
          `${name.padEnd(14)} ${String(seed).padStart(4)} ${metric.name.padEnd(13)} ${method.padEnd(7)} ${r.ensembleTest.toFixed(4).padStart(8)}  ${r.singleTest.toFixed(4).padStart(11)}  ${r.ensembleValidation.toFixed(4).padStart(9)}  ${String(r.done).padStart(6)}  ${r.seconds.toFixed(1).padStart(7)}`,
        );
        const i = rows.findIndex((x) => x.dataset === name && x.seed === seed && x.method === method);
        if (i >= 0) rows.splice(i, 1);
        rows.push({ dataset: name, seed, metric: metric.name, higherIsBetter: metric.higherIsBetter, method, ...r });
      }
    }
  }
  const ensemble = averageRanks(rows, (r) => r.ensembleTest);
  const single = averageRanks(rows, (r) => r.singleTest);
  const validation = averageRanks(rows, (r) => r.ensembleValidation);
  const result = {
    benchmark: 'search',
    trials_per_method: args.trials,
    space: space.name,
    families: space.families.map((f) => f.name),
    outer_test_fraction: 0.25,
    inner_folds: 5,
    datasets: [...new Set(rows.map((r) => r.dataset))],
    seeds: [...new Set(rows.map((r) => r.seed))].sort((a, b) => a - b),
    problems: ensemble.problems,
    avg_rank: ensemble.ranks,
    avg_rank_single: single.ranks,
    /** Ranks of the GES ensemble's score on the out-of-fold (selection) rows: what the search optimizes. */
    avg_rank_validation: validation.ranks,
    rows,
  };
  console.log(`\naverage rank (1 = best) over ${ensemble.problems} problems (dataset x seed)`);
  console.log('method   GES-ensemble  best-single  GES-validation');
  for (const m of METHODS) {
    const cells = [result.avg_rank[m]!.toFixed(2).padStart(12), result.avg_rank_single[m]!.toFixed(2).padStart(11), result.avg_rank_validation[m]!.toFixed(2).padStart(14)];
    console.log(`${m.padEnd(8)} ${cells.join('  ')}`);
  }
  mkdirSync('results', { recursive: true });
  writeFileSync('results/search.json', `${JSON.stringify(result, null, 2)}\n`);
  console.log('wrote results/search.json');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

/**
 * The benchmark runner: every task x fold of a suite, every method, one result row each, appended to a CSV.
 *
 * Per task and fold: the baselines (constant predictor, default random forest), then per time budget and search
 * method one auto-ensemble search whose stored trials are re-ensembled by every ensemble method (one SQLite
 * store per search, in a temporary directory, deleted once its rows are written). A job (a baseline, or a search
 * with all its ensembles) appends its rows in one write; a job whose cells are all in the file already is
 * skipped, so an interrupted run resumes where it stopped. A failed run is recorded with its error in `info`
 * and scored as the constant predictor (the AutoML Benchmark's rule).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autoEnsemble, reEnsemble } from '../api/auto-ensemble.js';
import type { AutoEnsembleOptions, AutoEnsembleResult, DatasetInput, EnsembleMethod, ReEnsembleOptions, SearchMethod } from '../api/types.js';
import { outputWidth, takeFeatureRows, takeRows, targetLabels, type Dataset, type FeatureTable } from '../data/dataset.js';
import type { Labels } from '../metrics/types.js';
import type { OpenmlTaskData } from '../openml/load-task.js';
import { ConfigError } from '../util/errors.js';
import { libraryVersion } from '../util/version.js';
import { constantPredictions, fitDefaultFamily } from './baselines.js';
import {
  NO_BUDGET,
  autoEnsembleFramework,
  baselineFamily,
  baselineFramework,
  budgetConstraint,
  type Baseline,
} from './methods.js';
import { FAILED_PREFIX, appendResults, cellKey, finishedCells, type ResultRow } from './results-csv.js';
import { Progress, formatDuration } from './progress.js';
import { scorePredictions, type ScoreColumns } from './score.js';
import type { Suite, SuiteTask } from './suite.js';

/** The two library calls the runner makes (injectable for tests). */
export interface BenchEngine {
  autoEnsemble(dataset: DatasetInput, options: AutoEnsembleOptions): Promise<AutoEnsembleResult>;
  reEnsemble(runId: number, options: ReEnsembleOptions): Promise<AutoEnsembleResult>;
}

export interface BenchOptions {
  readonly suite: Suite;
  /** Result CSV (appended to; created with a header when new). */
  readonly out: string;
  /** Run the first `folds` folds of each task's split file. */
  readonly folds: number;
  /** Search time budget(s) in seconds per task and fold. */
  readonly budgets: readonly number[];
  readonly search: readonly SearchMethod[];
  /** Ensemble methods built from each search, the first by the search call itself. */
  readonly ensembles: readonly EnsembleMethod[];
  readonly baselines: readonly Baseline[];
  readonly maxTrials?: number;
  /** Cross-validation folds inside each search (library default when absent). */
  readonly innerFolds?: number;
  readonly searchSpace?: string;
  /** Base seed; fold f runs with seed + f (default 0). */
  readonly seed?: number;
  readonly concurrency?: number;
  /** Directory for the per-search SQLite stores (default: a fresh temporary directory). */
  readonly workDir?: string;
  /** Keep the stores (for inspection / more re-ensembling) instead of deleting them. */
  readonly keepStores?: boolean;
  /** Progress lines (default: none). */
  readonly log?: (line: string) => void;
  readonly engine?: BenchEngine;
}

export interface BenchSummary {
  readonly out: string;
  readonly jobsRun: number;
  readonly jobsSkipped: number;
  readonly rowsWritten: number;
  readonly failures: number;
  readonly seconds: number;
}

/** A unit of work whose rows are written together. */
type Job =
  | { readonly kind: 'baseline'; readonly baseline: Baseline; readonly frameworks: readonly string[] }
  | {
      readonly kind: 'search';
      readonly search: SearchMethod;
      readonly budget: number;
      readonly ensembles: readonly EnsembleMethod[];
      readonly frameworks: readonly string[];
    };

/** Everything the jobs of one task x fold share. */
interface FoldContext {
  readonly task: SuiteTask;
  readonly dataset: Dataset;
  readonly fold: number;
  readonly seed: number;
  readonly train: Dataset;
  readonly test: FeatureTable;
  readonly yTest: Labels;
  readonly k: number;
  /** The constant predictor's scores: what a failed run gets. */
  readonly fallback: ScoreColumns;
  readonly params: Readonly<Record<string, unknown>>;
}

function jobsOf(options: BenchOptions): Job[] {
  const jobs: Job[] = options.baselines.map((baseline) => ({ kind: 'baseline', baseline, frameworks: [baselineFramework(baseline)] }));
  for (const budget of options.budgets) {
    for (const search of options.search) {
      const ensembles = options.ensembles;
      jobs.push({ kind: 'search', search, budget, ensembles, frameworks: ensembles.map((e) => autoEnsembleFramework(search, e)) });
    }
  }
  return jobs;
}

/** The job restricted to its unfinished cells (a search then builds only the missing ensembles). */
function onlyPending(job: Job, isPending: (framework: string) => boolean): Job {
  if (job.kind === 'baseline') return isPending(job.frameworks[0]!) ? job : { ...job, frameworks: [] };
  const ensembles = job.ensembles.filter((e) => isPending(autoEnsembleFramework(job.search, e)));
  return { ...job, ensembles, frameworks: ensembles.map((e) => autoEnsembleFramework(job.search, e)) };
}

function constraintOf(job: Job): string {
  return job.kind === 'search' ? budgetConstraint(job.budget) : NO_BUDGET;
}

function checkOptions(options: BenchOptions): void {
  if (!Number.isInteger(options.folds) || options.folds < 1) throw new ConfigError(`folds must be an integer >= 1, got ${options.folds}`);
  if (options.search.length > 0 && options.ensembles.length === 0) throw new ConfigError('a search needs at least one ensemble method');
  for (const b of options.budgets) if (!(b > 0)) throw new ConfigError(`a time budget must be > 0 seconds, got ${b}`);
  if (options.search.length > 0 && options.budgets.length === 0) throw new ConfigError('a search needs a time budget');
}

/** Run the suite, appending rows to `options.out`; finished cells are skipped. */
export async function runBenchmark(options: BenchOptions): Promise<BenchSummary> {
  checkOptions(options);
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const jobs = jobsOf(options);
  const done = finishedCells(options.out);
  const pending = (task: SuiteTask, fold: number): Job[] =>
    jobs.map((job) => onlyPending(job, (f) => !done.has(cellKey({ task: task.name, framework: f, constraint: constraintOf(job), fold })))).filter((job) => job.frameworks.length > 0);
  const total = options.suite.tasks.length * options.folds * jobs.length;
  let todo = 0;
  for (const task of options.suite.tasks) for (let f = 0; f < options.folds; f++) todo += pending(task, f).length;
  log(`suite ${options.suite.name}: ${options.suite.tasks.length} tasks x ${options.folds} folds x ${jobs.length} jobs; ${total - todo} done, ${todo} to run -> ${options.out}`);
  const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'auto-ensemble-bench-'));
  mkdirSync(workDir, { recursive: true }); // a named work directory need not exist yet
  const searchJobs = options.budgets.length * options.search.length;
  const meanBudget = options.budgets.reduce((a, b) => a + b, 0) / Math.max(1, options.budgets.length);
  const progress = new Progress(todo, { searchJobs, baselineJobs: options.baselines.length, meanBudget }, log);
  const counts = { rows: 0, failures: 0 };
  try {
    for (const task of options.suite.tasks) {
      const folds = Array.from({ length: options.folds }, (_, f) => f).filter((f) => pending(task, f).length > 0);
      if (folds.length === 0) continue;
      const data = await loadTask(task, options.folds);
      for (const fold of folds) {
        const ctx = foldContext(task, data, fold, options);
        for (const job of pending(task, fold)) {
          const jobStarted = performance.now();
          const rows = await runJob(job, ctx, options, workDir);
          appendResults(options.out, rows);
          counts.rows += rows.length;
          counts.failures += rows.filter((r) => String(r.info ?? '').startsWith(FAILED_PREFIX)).length;
          const what = job.kind === 'search' ? { search: job.search, budget: job.budget } : { baseline: baselineFramework(job.baseline) };
          progress.report(task.name, fold, what, rows, (performance.now() - jobStarted) / 1000);
        }
      }
    }
  } finally {
    if (options.workDir === undefined && options.keepStores !== true) rmSync(workDir, { recursive: true, force: true });
  }
  const seconds = (performance.now() - started) / 1000;
  log(`done: ${progress.done} jobs, ${counts.rows} rows (${counts.failures} failed) in ${formatDuration(seconds)} -> ${options.out}`);
  return { out: options.out, jobsRun: progress.done, jobsSkipped: total - todo, rowsWritten: counts.rows, failures: counts.failures, seconds };
}

async function loadTask(task: SuiteTask, folds: number): Promise<OpenmlTaskData> {
  const data = await task.load();
  const available = data.folds.filter((f) => f.repeat === 0).length;
  if (available < folds) {
    throw new ConfigError(`task ${task.name} has ${available} folds in its split file; asked to run ${folds}`);
  }
  return data;
}

function foldContext(task: SuiteTask, data: OpenmlTaskData, fold: number, options: BenchOptions): FoldContext {
  const split = data.folds.find((f) => f.repeat === 0 && f.fold === fold)!;
  const dataset = data.dataset;
  const train = takeRows(dataset, split.train);
  const testSet = takeRows(dataset, split.test);
  const k = outputWidth(dataset);
  const yTest = targetLabels(testSet);
  const fallback = scorePredictions(dataset.task, yTest, constantPredictions(train, split.test.length), k);
  return {
    task,
    dataset,
    fold,
    seed: (options.seed ?? 0) + fold,
    train,
    test: takeFeatureRows(dataset, split.test),
    yTest,
    k,
    fallback,
    params: { splits: options.suite.splits, train_rows: split.train.length, test_rows: split.test.length },
  };
}

function baseRow(ctx: FoldContext, framework: string, constraint: string, params: Record<string, unknown>): ResultRow {
  const version = libraryVersion();
  return {
    id: ctx.task.id,
    task: ctx.task.name,
    framework,
    constraint,
    fold: ctx.fold,
    type: ctx.dataset.task,
    mode: 'local',
    version,
    params: JSON.stringify({ ...ctx.params, ...params }),
    app_version: `auto-ensemble ${version}`,
    utc: new Date().toISOString().replace(/\.\d+Z$/, ''),
    seed: ctx.seed,
  };
}

function failedRow(ctx: FoldContext, base: ResultRow, error: unknown, seconds: number): ResultRow {
  const message = error instanceof Error ? error.message : String(error);
  return {
    ...base,
    ...ctx.fallback,
    duration: seconds,
    info: `${FAILED_PREFIX} ${message.replace(/\s+/g, ' ').slice(0, 500)} (scored as the constant predictor)`,
  };
}

async function runJob(job: Job, ctx: FoldContext, options: BenchOptions, workDir: string): Promise<ResultRow[]> {
  if (job.kind === 'baseline') return [await runBaseline(job.baseline, ctx)];
  return runSearch(job.search, job.budget, job.ensembles, ctx, options, workDir);
}

async function runBaseline(baseline: Baseline, ctx: FoldContext): Promise<ResultRow> {
  const family = baselineFamily(baseline);
  const base = baseRow(ctx, baselineFramework(baseline), NO_BUDGET, family === undefined ? {} : { family, config: 'defaults' });
  const started = performance.now();
  try {
    if (family === undefined) {
      const t0 = performance.now();
      const pred = constantPredictions(ctx.train, ctx.test.nRows);
      const seconds = (performance.now() - t0) / 1000;
      return { ...base, duration: seconds, training_duration: seconds, predict_duration: 0, models_count: 1, ensemble_size: 1, trials: 0, ...scoreOf(ctx, pred) };
    }
    const forest = await fitDefaultFamily(family, ctx.train, ctx.seed);
    const t0 = performance.now();
    const pred = forest.predict(ctx.test);
    const predictSeconds = (performance.now() - t0) / 1000;
    return {
      ...base,
      ...scoreOf(ctx, pred),
      duration: (performance.now() - started) / 1000,
      training_duration: forest.trainSeconds,
      predict_duration: predictSeconds,
      models_count: 1,
      trials: 0,
      ensemble_size: 1,
    };
  } catch (err) {
    return failedRow(ctx, base, err, (performance.now() - started) / 1000);
  }
}

function scoreOf(ctx: FoldContext, pred: Float64Array): ScoreColumns {
  return scorePredictions(ctx.dataset.task, ctx.yTest, pred, ctx.k);
}

/** Predictions of a result on the test rows, with columns in the dataset's class order. */
function predictTest(ctx: FoldContext, result: AutoEnsembleResult): Float64Array {
  const pred = result.ensemble.predictMatrix(ctx.test);
  const classes = ctx.dataset.target.kind === 'classes' ? ctx.dataset.target.classes : [];
  if (classes.length === 0 || classes.every((c, j) => result.classes[j] === c)) return pred;
  const k = ctx.k;
  const from = classes.map((c) => result.classes.indexOf(c));
  if (from.some((j) => j < 0) || result.classes.length !== k) throw new Error(`ensemble classes [${result.classes.join(', ')}] do not match the dataset's`);
  const out = new Float64Array(pred.length);
  for (let i = 0; i < ctx.test.nRows; i++) for (let j = 0; j < k; j++) out[i * k + j] = pred[i * k + from[j]!]!;
  return out;
}

function trialCounts(result: AutoEnsembleResult): { models: number; trials: number } {
  const t = result.run.trials;
  return { models: t.done ?? 0, trials: (t.done ?? 0) + (t.failed ?? 0) + (t.timeout ?? 0) + (t.pruned ?? 0) };
}

/** One search with the first ensemble method, then the others re-ensembled from its store. */
async function runSearch(
  search: SearchMethod,
  budget: number,
  ensembles: readonly EnsembleMethod[],
  ctx: FoldContext,
  options: BenchOptions,
  workDir: string,
): Promise<ResultRow[]> {
  const engine = options.engine ?? { autoEnsemble, reEnsemble };
  const store = join(workDir, `${ctx.task.name.replace(/[^A-Za-z0-9._-]+/g, '-')}-f${ctx.fold}-${search}-${budget}s.db`);
  rmSync(store, { force: true });
  const constraint = budgetConstraint(budget);
  const params = (ensemble: EnsembleMethod): Record<string, unknown> => ({
    search,
    ensemble,
    budget,
    ...(options.maxTrials !== undefined ? { max_trials: options.maxTrials } : {}),
    ...(options.innerFolds !== undefined ? { inner_folds: options.innerFolds } : {}),
    ...(options.searchSpace !== undefined ? { search_space: options.searchSpace } : {}),
  });
  const bases = ensembles.map((e) => baseRow(ctx, autoEnsembleFramework(search, e), constraint, params(e)));
  const started = performance.now();
  let first: AutoEnsembleResult;
  try {
    first = await engine.autoEnsemble(ctx.train, {
      search,
      ensemble: ensembles[0]!,
      timeBudget: budget,
      // Every method is scored as selected (each member's fold models): the search and the selection are what a
      // suite compares; what the deployment forms cost is measured by bench:deploy.
      deploy: 'exact',
      seed: ctx.seed,
      store,
      ...(options.maxTrials !== undefined ? { maxTrials: options.maxTrials } : {}),
      ...(options.innerFolds !== undefined ? { folds: options.innerFolds } : {}),
      ...(options.searchSpace !== undefined ? { searchSpace: options.searchSpace } : {}),
      ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    });
  } catch (err) {
    if (options.keepStores !== true) rmSync(store, { force: true });
    const seconds = (performance.now() - started) / 1000;
    return bases.map((base) => failedRow(ctx, base, err, seconds));
  }
  const firstSeconds = (performance.now() - started) / 1000;
  const rows = [evaluate(ctx, bases[0]!, first, firstSeconds, first)];
  for (let i = 1; i < ensembles.length; i++) {
    const t0 = performance.now();
    try {
      // Each method gets what a fit with it would have had left after the same search: its ensemble step keeps the
      // task's time budget (the selector stops at its deadline with its best ensemble so far).
      const left = Math.max(1, budget - first.run.elapsedSeconds);
      const result = await engine.reEnsemble(first.runId, { ensemble: ensembles[i]!, store, seed: ctx.seed, timeBudget: left });
      // Training time of a re-ensembled method = the search it shares + its own ensemble building.
      rows.push(evaluate(ctx, bases[i]!, result, first.run.elapsedSeconds + (performance.now() - t0) / 1000, first));
    } catch (err) {
      rows.push(failedRow(ctx, bases[i]!, err, (performance.now() - t0) / 1000));
    }
  }
  if (options.keepStores !== true) rmSync(store, { force: true });
  return rows;
}

function evaluate(ctx: FoldContext, base: ResultRow, result: AutoEnsembleResult, trainSeconds: number, search: AutoEnsembleResult): ResultRow {
  const t0 = performance.now();
  let pred: Float64Array;
  try {
    pred = predictTest(ctx, result);
  } catch (err) {
    return failedRow(ctx, base, err, trainSeconds);
  }
  const predictSeconds = (performance.now() - t0) / 1000;
  const { models, trials } = trialCounts(search);
  let scores: ScoreColumns;
  try {
    scores = scoreOf(ctx, pred);
  } catch (err) {
    return failedRow(ctx, base, err, trainSeconds + predictSeconds);
  }
  return {
    ...base,
    ...scores,
    duration: trainSeconds + predictSeconds,
    training_duration: trainSeconds,
    predict_duration: predictSeconds,
    models_count: models,
    trials,
    ensemble_size: result.members.length,
    info: `run ${result.runId}; stopped by ${search.run.stoppedBy}; validation ${result.validationScore}`,
  };
}

/**
 * `auto-ensemble fit --data FILE [--target NAME] [--test FILE | --holdout FRACTION] [--budget S] ...`: search,
 * train and ensemble with a live progress display on stderr, then print the leaderboard, the chosen ensemble, the
 * validation (and test) score, save the bundle and report its size and prediction latency.
 * Ctrl-C stops the search early and still builds and saves the best ensemble so far; a second Ctrl-C quits.
 */
import { existsSync, readdirSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { DEFAULTS, ENSEMBLE_METHODS, LARGE_DATA_FOLDS, LARGE_DATA_ROWS, SEARCH_METHODS } from '../../api/options.js';
import { DEPLOY_FORMS, type DeployForm } from '../../export/deploy.js';
import type { AutoEnsembleResult, EnsembleMethod, SearchMethod } from '../../api/types.js';
import type { Dataset } from '../../data/dataset.js';
import { loadDatasetFile } from '../../data/load.js';
import { defaultMetric, getMetric, metricNames } from '../../metrics/index.js';
import type { MetricName } from '../../metrics/types.js';
import { measureServingCost, type ServingCost } from '../../serving/serving-cost.js';
import { outputWidth } from '../../data/dataset.js';
import type { Labels } from '../../metrics/types.js';
import { SqliteStore } from '../../store/index.js';
import { remainingBudget } from '../../training/run.js';
import { ConfigError, DataError } from '../../util/errors.js';
import { existingDatabase, fraction, positiveInteger, positiveNumber, nonNegativeInteger, nonNegativeNumber, runId } from '../arguments.js';
import { processIO, type CliCommand, type CliContext } from '../context.js';
import { formatBytes, formatDuration, formatMillis, formatScore } from '../format.js';
import { formatRunOutcome, ProgressDisplay } from '../progress.js';
import { deploymentText, formatEnsembleResult, formatLeaderboard } from '../run-tables.js';
import { holdoutSplit, readTestFile, testScore, type TestData } from '../test-data.js';

interface FitOptions {
  data: string;
  target?: string;
  test?: string;
  holdout?: number;
  budget?: number;
  maxTrials?: number;
  search?: SearchMethod;
  ensemble?: EnsembleMethod;
  space?: string;
  metric?: MetricName;
  folds?: number;
  seed?: number;
  concurrency?: number;
  perTrialLimit?: number;
  pruning?: boolean;
  missing?: string;
  refit?: boolean;
  deploy?: DeployForm;
  deployTolerance?: number;
  out: string;
  db: string;
  resume?: number;
  executor?: string;
  force?: boolean;
  json?: boolean;
}

/** Leaderboard rows printed after a fit. */
const LEADERBOARD_ROWS = 10;

export const fitCommand: CliCommand = {
  name: 'fit',
  register(program: Command, context: CliContext): void {
    program
      .command('fit')
      .description('search, train and ensemble on a dataset, then save the bundle')
      .requiredOption('--data <file>', 'training data (.arff or .csv)')
      .option('--target <name>', 'target column (default: the last column)')
      .addOption(new Option('--test <file>', 'test data: its score is printed when it has the target column').conflicts('holdout'))
      .addOption(new Option('--holdout <fraction>', 'hold out this share of --data as a test set (seeded split)').argParser(fraction))
      .option(
        '--budget <seconds>',
        `wall-clock budget for the whole command, saving the bundle included (default ${DEFAULTS.timeBudget}; none with only ` +
          '--max-trials; with --resume: what is left of the run\'s budget)',
        positiveNumber,
      )
      .option('--max-trials <n>', 'stop after this many trials (with --seed: a reproducible run)', positiveInteger)
      .addOption(new Option('--search <method>', `search method (default ${DEFAULTS.search})`).choices(SEARCH_METHODS))
      .addOption(new Option('--ensemble <method>', `ensemble method (default ${DEFAULTS.ensemble})`).choices(ENSEMBLE_METHODS))
      .option('--space <space>', `search space: a JSON file, 'default' or 'small' (default ${DEFAULTS.searchSpace})`)
      .addOption(new Option('--metric <name>', 'metric (default: roc_auc binary, log_loss multiclass, rmse regression)').choices(metricNames()))
      .option('--folds <k>', `cross-validation folds per member (default ${DEFAULTS.folds}; ${LARGE_DATA_FOLDS} from ${LARGE_DATA_ROWS.toLocaleString('en-US')} rows)`, positiveInteger)
      .option('--seed <n>', `random seed (default ${DEFAULTS.seed})`, nonNegativeInteger)
      .option('--concurrency <n>', 'trials at once: worker threads, or with --executor redis:// trials in flight (default: cores, or the live workers\' slots)', positiveInteger)
      .option('--executor <where>', "where trials run: 'local' (default) or redis://host:port (auto-ensemble worker processes)")
      .option('--per-trial-limit <seconds>', 'seconds one trial may take, all folds (default: a fifth of the training time, up to a third on large data)', positiveNumber)
      .option('--no-pruning', 'fit every fold of every trial (default: stop trials clearly worse than the best after their first folds)')
      .option('--missing <tokens>', "comma-separated CSV missing tokens (default: '',NA,N/A,n/a,?,null,NULL,NaN,nan)")
      .addOption(
        new Option('--deploy <form>', `what the bundle holds (default ${DEFAULTS.deploy}): exact = fold models as selected; fast = members refit on all rows, members that barely help dropped; small = fast + trees trimmed`)
          .choices(DEPLOY_FORMS),
      )
      .option('--deploy-tolerance <fraction>', 'relative out-of-fold loss increase fast / small may spend (default 0.002)', nonNegativeNumber)
      .addOption(new Option('--refit', 'retrain every selected member once on all rows (= --deploy fast, dropping only members that do not help)').conflicts('deploy'))
      .option('--out <dir>', 'bundle directory', './model')
      .option('--db <file>', 'run database (SQLite)', DEFAULTS.store)
      .option('--resume <run>', 'continue this run (same data) instead of starting a new one', runId)
      .option('--force', 'with --resume: resume even if the run\'s recorded process still looks alive (you know it is gone)')
      .option('--json', 'print the summary as one JSON object instead of tables')
      .action((options: FitOptions) => runFit(options, context));
  },
};

async function runFit(options: FitOptions, context: CliContext): Promise<void> {
  const { io } = context;
  if (options.force === true && options.resume === undefined) throw new ConfigError('--force applies to --resume: give the run id');
  checkBundleDirectory(options.out);
  const seed = options.seed ?? DEFAULTS.seed;
  const { train, test } = loadData(options, seed);
  const metric = getMetric(options.metric ?? defaultMetric(train.task).name, train.task).name;
  if (test?.labels !== undefined) checkTestScorable(test, train, metric);
  const timeBudget = commandBudget(options);
  const deadline = timeBudget === undefined ? Infinity : context.startedAt + timeBudget * 1000;
  const outputReserve = timeBudget === undefined ? undefined : outputReserveSeconds(timeBudget);
  const tty = context.io === processIO && process.stderr.isTTY === true;
  const progress = new ProgressDisplay({
    write: (s) => io.err(s),
    tty,
    columns: tty ? process.stderr.columns : undefined,
    metric,
    description:
      `${train.name}, ${train.nRows} rows, ${train.features.length} features, ${train.task} target '${train.target.name}'; ` +
      `metric ${metric}; ${budgetText(timeBudget, options.maxTrials)}`,
    maxTrials: options.maxTrials,
    timeBudget,
  });
  const controller = new AbortController();
  const releaseInterrupt = stopOnInterrupt(controller, progress);
  let result: AutoEnsembleResult;
  try {
    const { autoEnsemble } = await import('../../api/auto-ensemble.js');
    result = await autoEnsemble(train, {
      metric,
      // What is left of the command's budget, minus the time to save the bundle and measure its latency.
      ...(timeBudget === undefined ? {} : { timeBudget: Math.max(0.5, (deadline - Date.now()) / 1000 - outputReserve!) }),
      maxTrials: options.maxTrials,
      search: options.search,
      searchSpace: options.space,
      ensemble: options.ensemble,
      folds: options.folds,
      seed,
      concurrency: options.concurrency,
      perTrialTimeLimit: options.perTrialLimit,
      pruning: options.pruning,
      store: options.db,
      refit: options.refit === true,
      ...(options.deploy === undefined ? {} : { deploy: options.deploy }),
      ...(options.deployTolerance === undefined ? {} : { deployTolerance: options.deployTolerance }),
      resume: options.resume,
      executor: options.executor,
      force: options.force,
      onProgress: (event) => progress.handle(event),
      signal: controller.signal,
    });
  } finally {
    progress.stop();
    releaseInterrupt();
  }
  const bytes = result.save(options.out);
  // The latency measurement gets what is left of the budget (at most its usual 2 s per measurement).
  const measureMs = Number.isFinite(deadline) ? Math.max(50, Math.min(4000, deadline - Date.now())) : 4000;
  const cost = measureServingCost(result.ensemble, train, { timeLimitMs: measureMs });
  const score = test?.labels === undefined ? undefined : testScore(result.ensemble, { ...test, labels: test.labels }, metric);
  const summary = { result, bytes, cost, score, test, out: options.out };
  io.out(options.json === true ? JSON.stringify(fitJson(summary)) + '\n' : fitReport(summary));
}

/** The command's wall-clock budget: --budget, else what is left of a resumed run's, else the default (none with only --max-trials). */
function commandBudget(options: FitOptions): number | undefined {
  if (options.budget !== undefined) return options.budget;
  if (options.resume !== undefined) {
    const store = new SqliteStore(existingDatabase(options.db));
    try {
      const run = store.getRun(options.resume);
      if (run === undefined) throw new ConfigError(`no run ${options.resume} in ${options.db}`);
      return remainingBudget(run);
    } finally {
      store.close();
    }
  }
  return options.maxTrials === undefined ? DEFAULTS.timeBudget : undefined;
}

/** Seconds kept at the end of the budget for saving the bundle and measuring its latency. */
function outputReserveSeconds(budget: number): number {
  return Math.min(5, Math.max(0.5, 0.04 * budget));
}

/** Fail before training when the metric cannot score the held-out rows (e.g. roc_auc with one class among them). */
function checkTestScorable(test: TestData & { labels?: Labels }, train: Dataset, metric: MetricName): void {
  const m = getMetric(metric, train.task);
  const k = outputWidth(train);
  const constant = new Float64Array(test.labels!.length * k).fill(k === 1 ? 0 : 1 / k);
  try {
    m.score(test.labels!, constant, k);
  } catch (error) {
    throw new DataError(
      `${metric} cannot score the test rows (${test.source}): ${(error as Error).message}. ` +
        'Use a larger --holdout, another --metric, or a --test file with every class',
    );
  }
}

function loadData(options: FitOptions, seed: number): { train: Dataset; test?: TestData } {
  const data = loadDatasetFile(options.data, {
    ...(options.target === undefined ? {} : { target: options.target }),
    ...(options.missing === undefined ? {} : { missingTokens: options.missing.split(',') }),
  });
  if (options.holdout !== undefined) return holdoutSplit(data, options.holdout, seed);
  if (options.test !== undefined) return { train: data, test: readTestFile(options.test, data) };
  return { train: data };
}

/** Fail before training, not after, when the bundle could not be written (same rule as saveBundle). */
function checkBundleDirectory(dir: string): void {
  if (!existsSync(dir)) return;
  const entries = readdirSync(dir);
  if (entries.length > 0 && !entries.includes('manifest.json')) {
    throw new DataError(`--out ${dir} is not empty and holds no bundle: choose another directory`);
  }
}

function budgetText(timeBudget: number | undefined, maxTrials: number | undefined): string {
  const parts: string[] = [];
  if (timeBudget !== undefined) parts.push(`budget ${formatDuration(timeBudget)}`);
  if (maxTrials !== undefined) parts.push(`at most ${maxTrials} trials`);
  return parts.join(', ');
}

/** First SIGINT: abort the search (the ensemble is still built and saved). Second: quit at once. */
function stopOnInterrupt(controller: AbortController, progress: ProgressDisplay): () => void {
  const onSigint = (): void => {
    if (!controller.signal.aborted) {
      controller.abort();
      progress.markStopping();
      return;
    }
    progress.stop();
    process.exit(130);
  };
  process.on('SIGINT', onSigint);
  return () => void process.off('SIGINT', onSigint);
}

interface FitSummary {
  readonly result: AutoEnsembleResult;
  readonly bytes: number;
  readonly cost: ServingCost;
  readonly score: number | undefined;
  readonly test: TestData | undefined;
  readonly out: string;
}

function fitReport({ result, bytes, cost, score, test, out }: FitSummary): string {
  const { run, metric } = result;
  const top = result.leaderboard.slice(0, LEADERBOARD_ROWS);
  const lines = [
    `run ${result.runId}: ${formatRunOutcome(run)}`,
    '',
    `leaderboard (top ${top.length} of ${result.leaderboard.length}, validation ${metric})`,
    formatLeaderboard(top, metric),
    '',
    formatEnsembleResult(result),
  ];
  if (score !== undefined) lines.push(`test ${metric}        ${formatScore(score)}  (${test!.source})`);
  else if (test !== undefined) lines.push(`test: no '${result.ensemble.targetName}' column in the test data: predictions only, no score`);
  lines.push(
    `bundle  ${out} (${formatBytes(bytes)}, ${deploymentText(result)})`,
    `latency 1 row ${formatMillis(cost.singleRowMs)}, ${cost.batchRows.toLocaleString('en-US')} rows ${formatMillis(cost.batchMs)} ` +
      `(${Math.round(cost.rowsPerSecond).toLocaleString('en-US')} rows/s)`,
  );
  return lines.join('\n') + '\n';
}

function fitJson({ result, bytes, cost, score, out }: FitSummary): unknown {
  return {
    runId: result.runId,
    task: result.task,
    metric: result.metric,
    classes: result.classes,
    trials: result.run.trials,
    stoppedBy: result.run.stoppedBy,
    secondsLeft: Number.isFinite(result.run.secondsLeft) ? result.run.secondsLeft : null,
    trialLimitSeconds: Number.isFinite(result.run.trialLimitSeconds) ? result.run.trialLimitSeconds : null,
    elapsedSeconds: result.run.elapsedSeconds,
    leaderboard: result.leaderboard.slice(0, LEADERBOARD_ROWS),
    ensemble: { method: result.ensemble.method, members: result.members },
    validationScore: result.validationScore,
    testScore: score ?? null,
    bundle: { dir: out, bytes, deployment: result.ensemble.deployment ?? { form: 'exact' } },
    latency: { singleRowMs: cost.singleRowMs, batchRows: cost.batchRows, batchMs: cost.batchMs, rowsPerSecond: cost.rowsPerSecond },
  };
}

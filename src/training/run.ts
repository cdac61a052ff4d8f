import { availableParallelism, hostname, totalmem } from 'node:os';
import { outputWidth, type Dataset, type FeatureTable } from '../data/dataset.js';
import { datasetFolds } from '../data/split.js';
import { defaultMetric, getMetric } from '../metrics/index.js';
import type { MetricName } from '../metrics/types.js';
import type { Proposer } from '../search/types.js';
import { datasetFingerprint, tableFingerprint } from '../store/fingerprint.js';
import type { RunRecord, Store } from '../store/types.js';
import { ConfigError, DataError } from '../util/errors.js';
import { defaultReserveSeconds, RunClock } from './budget.js';
import { normalizeModuleSpecifier } from './families.js';
import { detectGpuThreads } from './lanes.js';
import type { TrialExecutor } from './executor.js';
import { localExecutor } from './pool.js';
import { RunSession } from './session.js';
import { shareDataset, shareFolds, shareTable } from './shared-data.js';
import type { ProgressEvent, RunOptions, RunSummary, StoredRunOptions } from './types.js';

/**
 * Train members for a new run: ask `options.proposer` for trials, fit each on k folds in the worker pool, store
 * everything, and stop at `maxTrials` or when the time budget (minus the ensemble reserve) is spent.
 * Returns when every started trial is recorded; the caller builds ensembles until `summary.ensembleDeadline`.
 */
export async function startRun(dataset: Dataset, options: RunOptions): Promise<RunSummary> {
  const stored = await normalizeOptions(dataset, options);
  const run = options.store.createRun({
    datasetName: dataset.name,
    datasetFingerprint: datasetFingerprint(dataset),
    task: dataset.task,
    metric: stored.metric,
    seed: stored.seed,
    nRows: dataset.nRows,
    nOutputs: outputWidth(dataset),
    options: stored,
    owner: currentOwner(),
  });
  return execute(run, stored, dataset, options, false);
}

export interface ResumeOptions {
  readonly proposer: Proposer;
  /** The run's test rows, if it had them (checked against the stored fingerprint). */
  readonly test?: FeatureTable;
  /** A fresh wall-clock budget for this session (default: the run's original budget). */
  readonly timeBudget?: number;
  readonly reserveSeconds?: number;
  readonly onProgress?: (event: ProgressEvent) => void;
  readonly signal?: AbortSignal;
  /** Resume even if the recorded owner process still seems alive (same host, live pid). */
  readonly force?: boolean;
  /** Where trials run (default: worker threads in this process); any executor resumes any run. */
  readonly executor?: RunOptions['executor'];
}

/**
 * Continue a run whose process died or was cancelled: done, failed and timed-out trials are kept and told to the
 * proposer first (in trial order); trials left running or queued are run again with their stored config and
 * seed; then the run goes on to its `maxTrials` / budget. Folds, seed, metric and concurrency are the run's own.
 */
export async function resumeRun(store: Store, runId: number, dataset: Dataset, options: ResumeOptions): Promise<RunSummary> {
  const run = store.getRun(runId);
  if (run === undefined) throw new ConfigError(`no run ${runId} in the store`);
  if (run.datasetFingerprint !== datasetFingerprint(dataset)) {
    throw new DataError(`run ${runId} was trained on other data than '${dataset.name}' (dataset fingerprint differs)`);
  }
  const saved = run.options as StoredRunOptions;
  if ((saved.testFingerprint ?? null) !== (options.test === undefined ? null : tableFingerprint(options.test))) {
    throw new DataError(`run ${runId}: the test rows given differ from the run's (or are missing / unexpected)`);
  }
  if (run.status === 'running' && run.owner !== null && options.force !== true && ownerAlive(run.owner)) {
    throw new ConfigError(`run ${runId} is still being worked on by process ${run.owner.pid}; stop it first (or force)`);
  }
  store.reopenRun(runId, currentOwner());
  const timeBudget = options.timeBudget ?? saved.timeBudget;
  const stored: StoredRunOptions = {
    ...saved,
    ...(timeBudget === undefined ? {} : { timeBudget }),
    reserveSeconds: options.reserveSeconds ?? (options.timeBudget === undefined ? saved.reserveSeconds : defaultReserveSeconds(timeBudget)),
  };
  const runOptions: RunOptions = { ...options, store };
  return execute(store.getRun(runId)!, stored, dataset, runOptions, true);
}

async function execute(run: RunRecord, stored: StoredRunOptions, dataset: Dataset, options: RunOptions, resumed: boolean): Promise<RunSummary> {
  const startedAt = Date.now();
  const clock = new RunClock(startedAt, stored.timeBudget, stored.reserveSeconds);
  let executor: TrialExecutor | undefined;
  let summary: RunSummary;
  try {
    executor = await (options.executor ?? localExecutor)({
      concurrency: stored.concurrency,
      gpuThreads: stored.gpuThreads,
      memoryLimitMb: stored.memoryLimitMb,
      graceMs: stored.graceSeconds * 1000,
      runKey: runKeyOf(run),
      runData: {
        train: shareDataset(dataset),
        ...(options.test === undefined ? {} : { test: shareTable(options.test) }),
        folds: shareFolds(datasetFolds(dataset, stored.folds, stored.seed)),
        metric: stored.metric,
        familyModules: stored.familyModules,
      },
    });
    const session = new RunSession({
      store: options.store,
      run,
      options: stored,
      dataset,
      proposer: options.proposer,
      executor,
      clock,
      startedAt,
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    session.adopt(options.store.listTrials(run.id));
    options.onProgress?.({ type: 'run-started', runId: run.id, resumed, timeLeft: clock.secondsLeft() });
    summary = await session.execute();
  } catch (error) {
    options.store.finishRun(run.id, 'failed', error instanceof Error ? error.message : String(error));
    throw error;
  } finally {
    await executor?.close();
  }
  if (summary.stoppedBy === 'cancelled') options.store.finishRun(run.id, 'failed', 'cancelled');
  else options.store.finishRun(run.id, 'done');
  options.onProgress?.({ type: 'run-finished', summary });
  return summary;
}

async function normalizeOptions(dataset: Dataset, options: RunOptions): Promise<StoredRunOptions> {
  if (options.maxTrials === undefined && options.timeBudget === undefined) {
    throw new ConfigError('a run needs a budget: maxTrials, timeBudget (seconds), or both');
  }
  positiveInteger('maxTrials', options.maxTrials);
  positive('timeBudget', options.timeBudget);
  positive('perTrialTimeLimit', options.perTrialTimeLimit);
  positiveInteger('concurrency', options.concurrency);
  positiveInteger('memoryLimitMb', options.memoryLimitMb);
  const folds = options.folds ?? 5;
  if (!Number.isInteger(folds) || folds < 2) throw new ConfigError(`folds must be an integer >= 2, got ${folds}`);
  const metric: MetricName = options.metric ?? defaultMetric(dataset.task).name;
  getMetric(metric, dataset.task);
  if (options.test !== undefined) checkTestColumns(dataset, options.test);
  const concurrency = options.concurrency ?? availableParallelism();
  const gpuThreads = options.gpuThreads ?? (await detectGpuThreads(options.backend));
  const reserveSeconds = options.reserveSeconds ?? defaultReserveSeconds(options.timeBudget);
  if (options.timeBudget !== undefined && !(reserveSeconds >= 0 && reserveSeconds < options.timeBudget)) {
    throw new ConfigError(`reserveSeconds must be in [0, timeBudget), got ${reserveSeconds}`);
  }
  const memoryShare = Math.floor(totalmem() / 2 ** 20 / 2 / (concurrency + gpuThreads));
  return {
    folds,
    seed: options.seed ?? 0,
    metric,
    ...(options.maxTrials === undefined ? {} : { maxTrials: options.maxTrials }),
    ...(options.timeBudget === undefined ? {} : { timeBudget: options.timeBudget }),
    reserveSeconds,
    ...(options.perTrialTimeLimit === undefined ? {} : { perTrialTimeLimit: options.perTrialTimeLimit }),
    concurrency,
    gpuThreads,
    memoryLimitMb: options.memoryLimitMb ?? Math.min(8192, Math.max(512, memoryShare)),
    graceSeconds: options.graceSeconds ?? 1,
    ordered: options.ordered ?? options.maxTrials !== undefined,
    familyModules: (options.familyModules ?? []).map((m) => normalizeModuleSpecifier(m)),
    ...(options.backend === undefined ? {} : { backend: options.backend }),
    ...(options.test === undefined ? {} : { testFingerprint: tableFingerprint(options.test) }),
  };
}

/**
 * Test rows must have the training columns, in order, with the same kinds; a categorical column's categories
 * must start with the training ones (so codes agree; extra trailing categories are unseen in training).
 */
function checkTestColumns(train: Dataset, test: FeatureTable): void {
  if (test.features.length !== train.features.length) {
    throw new DataError(`test rows have ${test.features.length} feature columns, training rows ${train.features.length}`);
  }
  train.features.forEach((column, j) => {
    const other = test.features[j]!;
    if (other.name !== column.name || other.kind !== column.kind) {
      throw new DataError(`test column ${j} is '${other.name}' (${other.kind}), training has '${column.name}' (${column.kind})`);
    }
    if (column.kind === 'categorical' && other.kind === 'categorical' && column.categories.some((c, i) => other.categories[i] !== c)) {
      throw new DataError(`test column '${column.name}' codes other categories than the training column: encode test rows with the training categories`);
    }
  });
}

function positive(name: string, value: number | undefined): void {
  if (value !== undefined && !(value > 0 && Number.isFinite(value))) throw new ConfigError(`${name} must be a positive number, got ${value}`);
}

function positiveInteger(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0)) throw new ConfigError(`${name} must be a positive integer, got ${value}`);
}

/** The run's identity for executors: the same for every process that works on it, unique across stores. */
function runKeyOf(run: RunRecord): string {
  return `run${run.id}-${run.createdAt}-${run.datasetFingerprint.replace(/^sha256:/, '').slice(0, 12)}`;
}

function currentOwner(): { pid: number; host: string } {
  return { pid: process.pid, host: hostname() };
}

/** Whether the process that owns a run is alive (only knowable on the same host). */
function ownerAlive(owner: { pid: number; host: string }): boolean {
  if (owner.host !== hostname() || owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

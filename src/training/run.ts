import { readFileSync } from 'node:fs';
import { availableParallelism, hostname, totalmem } from 'node:os';
import { outputWidth, type Dataset, type FeatureTable } from '../data/dataset.js';
import { datasetFolds } from '../data/split.js';
import { defaultMetric, getMetric } from '../metrics/index.js';
import type { MetricName } from '../metrics/types.js';
import type { Proposer } from '../search/types.js';
import { datasetFingerprint, tableFingerprint } from '../store/fingerprint.js';
import type { RunOwner, RunRecord, Store } from '../store/types.js';
import { ConfigError, DataError } from '../util/errors.js';
import { finishReserveSeconds, RunClock } from './budget.js';
import { normalizeModuleSpecifier } from './families.js';
import { detectGpuThreads } from './lanes.js';
import { TrialPool } from './pool.js';
import { HEARTBEAT_MS, RunSession } from './session.js';
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
  /**
   * A fresh wall-clock budget for this session (default: what is left of the run's budget, that is its time
   * budget minus the training seconds its earlier sessions used).
   */
  readonly timeBudget?: number;
  readonly reserveSeconds?: number;
  readonly onProgress?: (event: ProgressEvent) => void;
  readonly signal?: AbortSignal;
  /** Resume even if the recorded owner process still seems alive (see `ownerState`). */
  readonly force?: boolean;
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
  if (run.status === 'running' && options.force !== true && ownerState(run) === 'alive') {
    const beat = run.heartbeatAt === null ? '' : `, last heartbeat ${Math.round((Date.now() - run.heartbeatAt) / 1000)} s ago`;
    throw new ConfigError(
      `run ${runId} is still being worked on by process ${run.owner!.pid} on ${run.owner!.host}${beat}: stop that process first, ` +
        `or resume with force (CLI: fit --resume ${runId} --force) if you know it is gone`,
    );
  }
  const timeBudget = options.timeBudget ?? remainingBudget(run);
  store.reopenRun(runId, currentOwner());
  const stored: StoredRunOptions = {
    ...saved,
    ...(timeBudget === undefined ? {} : { timeBudget }),
    reserveSeconds: options.reserveSeconds ?? (timeBudget === undefined ? 0 : finishReserveSeconds(timeBudget, gesShape(run, saved))),
  };
  const runOptions: RunOptions = { ...options, store };
  return execute(store.getRun(runId)!, stored, dataset, runOptions, true);
}

/**
 * The run's time budget minus the training seconds of its earlier sessions; undefined for a run without one.
 * Throws a ConfigError saying how to go on when (almost) nothing is left.
 */
export function remainingBudget(run: RunRecord): number | undefined {
  const saved = run.options as StoredRunOptions;
  if (saved.timeBudget === undefined) return undefined;
  const left = saved.timeBudget - run.trainingSeconds;
  if (!(left > 1)) {
    throw new ConfigError(
      `run ${run.id} has used ${run.trainingSeconds.toFixed(1)} s of its ${saved.timeBudget} s budget: give a new time budget to continue it (CLI: --budget S)`,
    );
  }
  return left;
}

/** The problem shape a finish reserve is sized for when the caller does not say (GES over the run's trials). */
function gesShape(run: { nRows: number; nOutputs: number }, stored: { metric: MetricName }): Parameters<typeof finishReserveSeconds>[1] {
  return { method: 'ges', rows: run.nRows, outputs: run.nOutputs, candidates: 50, metric: stored.metric };
}

async function execute(run: RunRecord, stored: StoredRunOptions, dataset: Dataset, options: RunOptions, resumed: boolean): Promise<RunSummary> {
  const startedAt = Date.now();
  const split = stored.timeBudget === undefined ? undefined : { trainingSeconds: stored.timeBudget - stored.reserveSeconds, reserveSeconds: stored.reserveSeconds };
  const clock = new RunClock(startedAt, split, stored.perTrialTimeLimit);
  let pool: TrialPool | undefined;
  let summary: RunSummary;
  try {
    pool = new TrialPool({
      cpuThreads: stored.concurrency,
      gpuThreads: stored.gpuThreads,
      memoryLimitMb: stored.memoryLimitMb,
      graceMs: stored.graceSeconds * 1000,
      runData: {
        train: shareDataset(dataset),
        ...(options.test === undefined ? {} : { test: shareTable(options.test) }),
        folds: shareFolds(datasetFolds(dataset, stored.folds, stored.seed)),
        metric: stored.metric,
        familyModules: stored.familyModules,
        memoryLimitMb: stored.memoryLimitMb,
      },
    });
    const session = new RunSession({
      store: options.store,
      run,
      options: stored,
      dataset,
      proposer: options.proposer,
      pool,
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
    await pool?.close();
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
  positive('pruneGap', options.pruneGap);
  if (options.pruneGap !== undefined && options.pruneGap > 1) throw new ConfigError(`pruneGap must be in (0, 1], got ${options.pruneGap}`);
  const shape = { nRows: dataset.nRows, nOutputs: outputWidth(dataset) };
  const reserveSeconds = options.reserveSeconds ?? (options.timeBudget === undefined ? 0 : finishReserveSeconds(options.timeBudget, gesShape(shape, { metric })));
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
    ...(options.pruning === undefined ? {} : { pruning: options.pruning }),
    ...(options.pruneGap === undefined ? {} : { pruneGap: options.pruneGap }),
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

function currentOwner(): RunOwner {
  const started = processStartToken(process.pid);
  return { pid: process.pid, host: hostname(), ...(started === undefined ? {} : { started }) };
}

/** A run's owner unheard of for this long (6 heartbeats) is taken for dead when it cannot be checked directly. */
export const STALE_OWNER_MS = 6 * HEARTBEAT_MS;

/**
 * Whether the process recorded as working on a 'running' run is still alive:
 * - on this host, by its pid, and by its start time (Linux /proc), so that a pid reused by another process, common
 *   in containers where every session's main process gets the same small pid, is not taken for the owner;
 * - elsewhere (or where the OS does not tell), by its heartbeat: silent for STALE_OWNER_MS means dead.
 * 'none' for a run that is not running or has no owner.
 */
export function ownerState(run: RunRecord, now: number = Date.now()): 'alive' | 'dead' | 'none' {
  if (run.status !== 'running' || run.owner === null) return 'none';
  const { owner } = run;
  const heartbeatFresh = run.heartbeatAt !== null && now - run.heartbeatAt < STALE_OWNER_MS;
  if (owner.host !== hostname()) return heartbeatFresh ? 'alive' : 'dead';
  // This process asking to resume is not working on the run: an earlier call of its own left it 'running'.
  if (owner.pid === process.pid) return 'dead';
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as { code?: string }).code !== 'EPERM') return 'dead';
  }
  const started = processStartToken(owner.pid);
  if (owner.started !== undefined && started !== undefined) return started === owner.started ? 'alive' : 'dead';
  return heartbeatFresh ? 'alive' : 'dead';
}

/**
 * When process `pid` started, as a token that differs between two processes that had the same pid: the boot id and
 * the start time in clock ticks since boot (field 22 of /proc/PID/stat). Undefined where /proc is not available.
 */
export function processStartToken(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTime = fields[19];
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return startTime === undefined ? undefined : `${bootId}:${startTime}`;
  } catch {
    return undefined;
  }
}
